import D8PluginKit
import Testing

@Suite struct RetryAfterTests {
    @Test func delaySeconds() {
        #expect(RetryAfter.seconds(header: "30") == 30)
        #expect(RetryAfter.seconds(header: " 7 ") == 7)
        #expect(RetryAfter.seconds(header: "1.2") == 2) // rounded up: waiting less is pointless
    }

    @Test func httpDateIsCountedFromNow() {
        // 1445412480 is Wed, 21 Oct 2015 07:28:00 GMT.
        #expect(RetryAfter.seconds(header: "Wed, 21 Oct 2015 07:28:00 GMT", now: 1_445_412_480 - 90) == 90)
        #expect(RetryAfter.seconds(header: "Wed, 21 Oct 2015 07:28:00 GMT", now: 1_445_412_480 + 5) == 0)
        #expect(RetryAfter.seconds(header: "Sun, 06 Nov 1994 08:49:37 GMT", now: 0) == 784_111_777)
    }

    @Test func garbageIsNoDelay() {
        #expect(RetryAfter.seconds(header: "soon") == nil)
        #expect(RetryAfter.seconds(header: "-3") == nil)
        #expect(RetryAfter.seconds(header: "Wed, 21 Foo 2015 07:28:00 GMT") == nil)
    }

    @Test func protobufDurations() {
        #expect(RetryAfter.seconds(duration: "13s") == 13)
        #expect(RetryAfter.seconds(duration: "0.5s") == 1)
        #expect(RetryAfter.seconds(duration: "13") == nil)
    }
}
