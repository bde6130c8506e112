import NIOCore

/// Tells the orchestrator when a client stops sending, so its waiting front-door tasks are
/// cancelled as it happens: Hummingbird allows half-closed connections, so a client that hangs
/// up shows as the end of its input (not a closed channel) until a write to it fails, which
/// for a queued request may be many seconds away. Everything else passes through untouched.
final class HangUpDetector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    let orchestrator: Orchestrator

    init(orchestrator: Orchestrator) { self.orchestrator = orchestrator }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { orchestrator.callerHungUp(context.channel) }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        orchestrator.callerHungUp(context.channel)
        context.fireChannelInactive()
    }
}
