// Placeholder: the shared Swift plugin code arrives with the provider plugins.
