/// The console ring page (`xen/io/console.h`, `struct xencons_interface`) as the backend sees it through grant
/// copies, and the index arithmetic for both directions. Pure: no I/O, so every case (wrap-around, full ring,
/// garbage indices) is tested without a guest.
///
/// The guest produces `out` (`out_prod`) and the backend consumes it (`out_cons`); the backend produces `in`
/// (`in_prod`) and the guest consumes it (`in_cons`). Indices are free-running u32 counters masked by the ring
/// size (`MASK_XENCONS_IDX`), so `prod - cons` (wrapping) is the number of unread bytes. Indices written by the
/// guest are untrusted: a distance above the ring size cannot happen with an honest guest and is reported as
/// `.corrupt`, never followed.
public enum ConsoleRing {
    /// `char in[1024]` at offset 0.
    public static let inOffset = 0
    public static let inSize: UInt32 = 1024
    /// `char out[2048]` at offset 1024.
    public static let outOffset = 1024
    public static let outSize: UInt32 = 2048
    /// `in_cons, in_prod, out_cons, out_prod`: four u32 at 3072 (one 16-byte read gets them all).
    public static let indicesOffset = 3072
    public static let indicesLength = 16
    public static let inProdOffset = 3076
    public static let outConsOffset = 3080

    /// The four indices, decoded from the 16 bytes at `indicesOffset` (little-endian, as the ARM guest stores them).
    public struct Indices: Equatable, Sendable {
        public var inCons: UInt32, inProd: UInt32, outCons: UInt32, outProd: UInt32
        public init(inCons: UInt32, inProd: UInt32, outCons: UInt32, outProd: UInt32) {
            self.inCons = inCons; self.inProd = inProd; self.outCons = outCons; self.outProd = outProd
        }
        /// nil unless exactly 16 bytes.
        public init?(bytes: [UInt8]) {
            guard bytes.count == ConsoleRing.indicesLength else { return nil }
            func word(_ i: Int) -> UInt32 {
                UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
            }
            self.init(inCons: word(0), inProd: word(4), outCons: word(8), outProd: word(12))
        }
    }

    /// A byte range in the ring page.
    public struct Segment: Equatable, Sendable {
        public var offset: Int, length: Int
        public init(offset: Int, length: Int) { self.offset = offset; self.length = length }
    }

    /// What to do with the output ring.
    public enum OutputPlan: Equatable, Sendable {
        case empty
        /// Read these segments (in order: their bytes are the stream from `cons`), then publish `out_cons = newCons`.
        case read([Segment], newCons: UInt32)
        /// `out_prod - out_cons` exceeds the ring: the guest wrote garbage. The backend skips to `out_prod` (what
        /// the ring claims cannot be read back in order) and counts it.
        case corrupt(distance: UInt32)
    }

    /// Plans reading at most `limit` bytes of output from `cons` towards `prod`.
    public static func planOutput(cons: UInt32, prod: UInt32, limit: Int = Int(outSize)) -> OutputPlan {
        let distance = prod &- cons
        guard distance <= outSize else { return .corrupt(distance: distance) }
        let count = min(Int(distance), max(0, limit))
        guard count > 0 else { return .empty }
        return .read(segments(start: cons, count: count, base: outOffset, size: outSize),
                     newCons: cons &+ UInt32(count))
    }

    /// What to do with the input ring.
    public enum InputPlan: Equatable, Sendable {
        /// The ring is full (or `count` was 0): nothing can be written now.
        case full
        /// Write the first `count` pending bytes into these segments, then publish `in_prod = newProd`.
        case write([Segment], count: Int, newProd: UInt32)
        /// `in_prod - in_cons` exceeds the ring: the guest's consumer index is garbage. Nothing is written
        /// (the backend cannot know where free space is); counted, retried when the guest's index is sane again.
        case corrupt(distance: UInt32)
    }

    /// Plans writing up to `count` bytes of input at `prod`, given the guest's `cons`.
    public static func planInput(cons: UInt32, prod: UInt32, count: Int) -> InputPlan {
        let used = prod &- cons
        guard used <= inSize else { return .corrupt(distance: used) }
        let n = min(Int(inSize - used), max(0, count))
        guard n > 0 else { return .full }
        return .write(segments(start: prod, count: n, base: inOffset, size: inSize), count: n,
                      newProd: prod &+ UInt32(n))
    }

    /// `count` bytes from ring index `start`, split where the ring wraps (at most two segments).
    static func segments(start: UInt32, count: Int, base: Int, size: UInt32) -> [Segment] {
        let first = Int(start & (size - 1))  // MASK_XENCONS_IDX
        let head = min(count, Int(size) - first)
        var result = [Segment(offset: base + first, length: head)]
        if count > head { result.append(Segment(offset: base, length: count - head)) }
        return result
    }

    /// Little-endian bytes of an index, for the grant copy that publishes it.
    public static func bytes(of index: UInt32) -> [UInt8] {
        [UInt8(index & 0xff), UInt8(index >> 8 & 0xff), UInt8(index >> 16 & 0xff), UInt8(index >> 24)]
    }
}
