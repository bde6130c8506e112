import NIOCore

/// Tells the `HangUpWatch` when a client stops sending: Hummingbird allows half-closed
/// connections, so a client that hangs up shows as the end of its input (not a closed
/// channel) until a write to it fails, which for a queued request may be many seconds away.
/// Everything else passes through untouched.
final class HangUpDetector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    let watch: HangUpWatch

    init(watch: HangUpWatch) { self.watch = watch }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { watch.hungUp(context.channel) }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        watch.hungUp(context.channel)
        context.fireChannelInactive()
    }
}
