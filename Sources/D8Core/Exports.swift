// JSON is its own module so that provider plugins can use it without the config (and Yams);
// everything that imports D8Core sees it as before.
@_exported import D8JSON
