import D8PluginKit // placeholder: the Groq plugin arrives next
