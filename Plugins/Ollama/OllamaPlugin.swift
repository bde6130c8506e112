import D8PluginKit // placeholder: the Ollama plugin arrives next
