import D8PluginKit // placeholder: the Gemini plugin arrives next
