import XenABI

/// The backend's side of one blkif shared ring (`xen/io/ring.h`, the BACK_RING macros) as a pure value: the
/// private indices `req_cons` and `rsp_prod_pvt`, and the decisions ring.h's macros make, with the guest's
/// indices passed in (read from the page by grant copy) and the writes to make returned.
///
/// Nothing the guest writes can trap it: indices are free-running `UInt32`s compared with wrapping arithmetic,
/// and a producer index that claims more than a ring of requests (ring.h's `RING_REQUEST_PROD_OVERFLOW`) is a
/// broken ring, reported, not followed.
///
/// Worked example (32 slots): `req_cons` = 30, the guest writes slots 30, 31, 0 and sets `req_prod` = 33.
/// `pending(reqProd: 33)` = `.requests(start: 30, count: 3)`, read at slots 30, 31 and 0 (`RING_GET_REQUEST` masks).
/// Each answer takes the next `rsp_prod_pvt` slot; `push(rspEventBefore:…)` publishes `rsp_prod` and says
/// whether to notify, as `RING_PUSH_RESPONSES_AND_CHECK_NOTIFY` does.
public struct BlkRing: Equatable, Sendable {
    /// The next request to read (`req_cons`).
    public private(set) var requestConsumer: UInt32 = 0
    /// The next response slot (`rsp_prod_pvt`); published to the page as `rsp_prod` by `push`.
    public private(set) var responseProducer: UInt32 = 0
    /// The `rsp_prod` last published.
    public private(set) var publishedResponses: UInt32 = 0

    public init() {}

    /// A ring whose indices all stand at `index`: a frontend may start its free-running indices anywhere (ring.h
    /// only needs both ends to agree), and the index wrap is reachable in tests.
    public init(startingAt index: UInt32) {
        requestConsumer = index; responseProducer = index; publishedResponses = index
    }

    /// What the guest's `req_prod` means for the backend.
    public enum Pending: Equatable, Sendable {
        /// Nothing new.
        case none
        /// `count` new requests from index `start` (indices wrap: `BlkRing.indices(from:count:)` lists them).
        case requests(start: UInt32, count: UInt32)
        /// `req_prod` is more than a ring ahead of what was answered: the guest broke the ring.
        case overflow(distance: UInt32)
    }

    /// Requests between `req_cons` and `reqProd` (at most a ring, counted from the oldest unanswered response slot,
    /// as ring.h's `RING_REQUEST_PROD_OVERFLOW`: `req_prod - rsp_prod_pvt > RING_SIZE`).
    public func pending(reqProd: UInt32) -> Pending {
        let ahead = reqProd &- responseProducer
        if ahead > Blkif.ringSize { return .overflow(distance: ahead) }
        let fresh = reqProd &- requestConsumer
        if fresh == 0 { return .none }
        // requestConsumer is between responseProducer and reqProd, so fresh ≤ ahead ≤ RING_SIZE.
        return .requests(start: requestConsumer, count: fresh)
    }

    /// The indices of `.requests` as a list, wrapping past `UInt32.max` as ring indices do.
    public static func indices(from start: UInt32, count: UInt32) -> [UInt32] {
        (0 ..< count).map { start &+ $0 }
    }

    /// Marks `count` requests read (`req_cons += count`).
    public mutating func consume(_ count: UInt32) { requestConsumer &+= count }

    /// Takes the slot for the next response (`RING_GET_RESPONSE(rsp_prod_pvt++)`): its byte offset in the page.
    public mutating func nextResponseSlot() -> Int {
        let offset = Blkif.slotOffset(responseProducer)
        responseProducer &+= 1
        return offset
    }

    /// Responses written but not yet published.
    public var unpublished: UInt32 { responseProducer &- publishedResponses }

    /// `RING_PUSH_RESPONSES_AND_CHECK_NOTIFY`: `rsp_prod` becomes `responseProducer`; notify when the guest's
    /// `rsp_event` lies in (old, new]: `(new - rsp_event) < (new - old)`.
    public mutating func push(rspEvent: UInt32) -> Bool {
        let old = publishedResponses, new = responseProducer
        publishedResponses = new
        return (new &- rspEvent) < (new &- old)
    }

    /// The value to put in `req_event` when the backend goes idle (`RING_FINAL_CHECK_FOR_REQUESTS`): the guest
    /// notifies when it produces request `req_cons + 1`.
    public var requestEvent: UInt32 { requestConsumer &+ 1 }
}
