import D8Core // placeholder: fake providers and process launchers arrive next
