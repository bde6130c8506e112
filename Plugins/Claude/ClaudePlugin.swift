import D8PluginKit // placeholder: the Claude plugin arrives next
