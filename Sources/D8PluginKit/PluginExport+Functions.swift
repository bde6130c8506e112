internal import D8PluginABI
import D8JSON

/// The instance pointer handed to the host: a retained box around the Swift plugin value.
final class PluginBox: Sendable {
    let plugin: any ProviderPlugin
    init(_ plugin: any ProviderPlugin) { self.plugin = plugin }

    static func from(_ instance: UnsafeMutableRawPointer?) -> PluginBox? {
        instance.map { Unmanaged<PluginBox>.fromOpaque($0).takeUnretainedValue() }
    }
}

/// create [not thread-safe]: settings from the borrowed config, then the plugin's own checks.
func exportCreate(_ host: UnsafePointer<d8_host>?, _ config: d8_str, _ err: UnsafeMutablePointer<CChar>?, _ errCapacity: Int) -> UnsafeMutableRawPointer? {
    guard let registration = PluginExport.current else {
        CString.write("plugin: create called before d8_plugin_entry", to: err, capacity: errCapacity)
        return nil
    }
    guard let host else {
        CString.write("\(registration.name): create called without a host", to: err, capacity: errCapacity)
        return nil
    }
    do throws(PluginSetupError) {
        let settings = try PluginSettings(json: config.copiedBytes)
        let plugin = try registration.make(settings, PluginHost(host))
        return Unmanaged.passRetained(PluginBox(plugin)).toOpaque()
    } catch {
        CString.write("\(registration.name): \(error.message)", to: err, capacity: errCapacity)
        return nil
    }
}

/// describe [thread-safe].
func exportDescribe(_ instance: UnsafeMutableRawPointer?, _ emit: d8_emit_fn?, _ ctx: UnsafeMutableRawPointer?) -> Int32 {
    guard let box = PluginBox.from(instance), let emit else { return Int32(D8_FAIL.rawValue) }
    Emitter(emit: emit, ctx: ctx).emit(box.plugin.describe())
    return Int32(D8_OK.rawValue)
}

/// execute [thread-safe]: the task is copied out of the borrowed view before anything else.
func exportExecute(
    _ instance: UnsafeMutableRawPointer?, _ task: d8_str, _ emit: d8_emit_fn?, _ ctx: UnsafeMutableRawPointer?,
    _ err: UnsafeMutablePointer<CChar>?, _ errCapacity: Int
) -> Int32 {
    guard let box = PluginBox.from(instance), let emit else {
        CString.write("plugin: execute called without an instance or emit function", to: err, capacity: errCapacity)
        return Int32(D8_FAIL.rawValue)
    }
    guard let parsed = parseTask(task, of: box, err: err, errCapacity: errCapacity) else { return Int32(D8_FAIL.rawValue) }
    return report(box.plugin.execute(task: parsed), to: Emitter(emit: emit, ctx: ctx), err: err, errCapacity: errCapacity)
}

/// execute_stream [thread-safe]: as execute, with each delta handed to emit_delta as it comes;
/// anything but D8_OK from emit_delta tells the plugin the client is gone.
func exportExecuteStream(
    _ instance: UnsafeMutableRawPointer?, _ task: d8_str, _ emit: d8_emit_fn?, _ emitDelta: d8_chunk_fn?, _ ctx: UnsafeMutableRawPointer?,
    _ err: UnsafeMutablePointer<CChar>?, _ errCapacity: Int
) -> Int32 {
    guard let box = PluginBox.from(instance), let emit, let emitDelta else {
        CString.write("plugin: execute_stream called without an instance, emit or emit_delta function", to: err, capacity: errCapacity)
        return Int32(D8_FAIL.rawValue)
    }
    guard let parsed = parseTask(task, of: box, err: err, errCapacity: errCapacity) else { return Int32(D8_FAIL.rawValue) }
    let outcome = box.plugin.executeStream(task: parsed) { delta in
        delta.jsonBytes.withUnsafeBufferPointer { emitDelta(ctx, d8_str($0)) } == Int32(D8_OK.rawValue)
    }
    return report(outcome, to: Emitter(emit: emit, ctx: ctx), err: err, errCapacity: errCapacity)
}

/// The task, copied out of the borrowed view and parsed; nil (err written) when it is not JSON.
private func parseTask(_ task: d8_str, of box: PluginBox, err: UnsafeMutablePointer<CChar>?, errCapacity: Int) -> JSONValue? {
    do throws(JSONParseError) {
        return try JSONValue.parse(task.copiedBytes)
    } catch {
        CString.write("\(type(of: box.plugin).name): the task is not valid JSON: \(error.reason)", to: err, capacity: errCapacity)
        return nil
    }
}

/// An outcome as the ABI returns it: the result or the details emitted, the message in err.
private func report(_ outcome: ProviderOutcome, to emitter: Emitter, err: UnsafeMutablePointer<CChar>?, errCapacity: Int) -> Int32 {
    switch outcome {
    case let .ok(result):
        emitter.emit(result)
        return Int32(D8_OK.rawValue)
    case let .retry(message, details):
        if let details { emitter.emit(details) }
        CString.write(message, to: err, capacity: errCapacity)
        return Int32(D8_RETRY.rawValue)
    case let .fail(message, details):
        if let details { emitter.emit(details) }
        CString.write(message, to: err, capacity: errCapacity)
        return Int32(D8_FAIL.rawValue)
    }
}

/// destroy [not thread-safe]: releases the box retained by create.
func exportDestroy(_ instance: UnsafeMutableRawPointer?) {
    guard let instance else { return }
    Unmanaged<PluginBox>.fromOpaque(instance).release()
}
