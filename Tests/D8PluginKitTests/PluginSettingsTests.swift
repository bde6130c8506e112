import D8JSON
import D8PluginKit
import Testing

@Suite struct PluginSettingsTests {
    @Test func defaultsAndUnknownKeys() throws {
        let settings = try PluginSettings(["whatever": [1, 2], "plugin": "groq"])
        #expect(settings.timeoutSeconds == 60)
        #expect(settings.maxTokens == 1024)
        #expect(settings.apiKey == nil && settings.baseURL == nil && settings.slots == nil)
        #expect(settings.timeoutMilliseconds == 60000)
    }

    @Test func readsEverySetting() throws {
        let settings = try PluginSettings(json: Array("""
            {"api_key":"k","base_url":"http://127.0.0.1:9/v1/","default_model":"m","timeout_s":1.5,"max_tokens":64,"slots":4,
             "requests_per_minute":30,"tokens_per_minute":6000,"prices":{"m":{"input_usd_per_mtok":1,"output_usd_per_mtok":2}}}
            """.utf8))
        #expect(settings.apiKey == "k")
        #expect(settings.baseURL == "http://127.0.0.1:9/v1")
        #expect(settings.defaultModel == "m")
        #expect(settings.timeoutMilliseconds == 1500)
        #expect(settings.maxTokens == 64)
        #expect(settings.slots == 4 && settings.requestsPerMinute == 30 && settings.tokensPerMinute == 6000)
        #expect(settings.prices == ["m": ModelPrice(input: 1, output: 2)])
    }

    @Test func missingAPIKeyNamesTheVariable() throws {
        #expect(throws: PluginSetupError("api_key is missing (set GROQ_API_KEY or api_key in the worker type)")) {
            try PluginSettings(["api_key": ""]).requireAPIKey(environmentVariable: "GROQ_API_KEY")
        }
    }

    /// Settings as JSON text (literals keep the type checker fast) and the expected message.
    static let badSettings: [(String, String)] = [
        (#"{"base_url":"localhost:11434"}"#, "base_url must be an http:// or https:// URL with a host, got 'localhost:11434'"),
        (#"{"base_url":"http:///v1"}"#, "base_url must be an http:// or https:// URL with a host, got 'http:///v1'"),
        (#"{"timeout_s":0}"#, "timeout_s must be a positive number, got 0"),
        (#"{"timeout_s":"60"}"#, #"timeout_s must be a positive number, got "60""#),
        (#"{"max_tokens":1.5}"#, "max_tokens must be a positive integer, got 1.5"),
        (#"{"slots":-1}"#, "slots must be a positive integer, got -1"),
        (#"{"requests_per_minute":0}"#, "requests_per_minute must be a positive integer, got 0"),
        (#"{"api_key":5}"#, "api_key must be a string, got a number"),
        (#"{"prices":{"m":{"input_usd_per_mtok":1}}}"#, "prices.m.output_usd_per_mtok must be a non-negative number"),
        ("[1]", "the settings must be a JSON object, got an array"),
    ]

    @Test(arguments: badSettings)
    func badSettingsNameTheKey(settings: String, message: String) {
        #expect(throws: PluginSetupError(message)) { try PluginSettings(json: Array(settings.utf8)) }
    }

    @Test func settingsThatAreNotJSON() {
        #expect(throws: PluginSetupError.self) { try PluginSettings(json: Array("{".utf8)) }
    }
}
