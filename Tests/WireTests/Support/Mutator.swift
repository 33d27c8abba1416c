import Wire
import XCTest

/// A small deterministic generator (SplitMix64) so a failing mutation run can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Produces hostile variants of a valid frame: bit flips, byte overwrites, truncation, extension, random
/// length fields, wholly random bytes. Mutating a valid frame reaches deep into a decoder; random bytes
/// exercise the header checks.
struct Mutator {
    var rng: SplitMix64

    mutating func mutate(_ valid: [UInt8]) -> [UInt8] {
        var bytes = valid
        switch rng.next() % 7 {
        case 0: // flip a few bits
            for _ in 0 ... rng.next() % 4 where !bytes.isEmpty {
                let i = Int(rng.next() % UInt64(bytes.count))
                bytes[i] ^= 1 << (rng.next() % 8)
            }
        case 1: // overwrite a byte with an extreme value
            if !bytes.isEmpty {
                bytes[Int(rng.next() % UInt64(bytes.count))] = [0, 0xff, 0x7f, 0x80][Int(rng.next() % 4)]
            }
        case 2: // truncate
            bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1))))
        case 3: // extend with junk
            bytes += (0 ..< Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        case 4: // a random u32 at a random 4-aligned offset (hits length fields)
            if bytes.count >= 4 {
                let at = Int(rng.next() % UInt64(bytes.count / 4)) * 4
                let v = UInt32(truncatingIfNeeded: rng.next())
                for k in 0 ..< 4 { bytes[at + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) }
            }
        case 5: // random bytes of a random length
            bytes = (0 ..< Int(rng.next() % 96)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        default: // keep the header valid, randomise the payload
            for i in min(FrameHeader.size, bytes.count) ..< bytes.count {
                bytes[i] = UInt8(truncatingIfNeeded: rng.next())
            }
        }
        return bytes
    }
}

/// The contract every message kind meets (STYLE.md): round trip, truncated, trailing bytes, wrong version,
/// unknown kind, and a mutation loop that must end in a value or a thrown `WireError`, never a trap.
func assertMessageContract<M: WireMessage>(_ samples: [M], mutations: Int = 100_000, seed: UInt64 = 0x5EED,
                                           file: StaticString = #filePath, line: UInt = #line) {
    for sample in samples {
        // Round trip through a whole frame.
        let frame = Frame.encode(sample, sequence: 42, sender: 7)
        do {
            let (header, decoded) = try Frame.decode(M.self, from: frame)
            XCTAssertEqual(decoded, sample, file: file, line: line)
            XCTAssertEqual(header.sequence, 42, file: file, line: line)
            XCTAssertEqual(header.sender, 7, file: file, line: line)
            XCTAssertEqual(Int(header.payloadLength), frame.count - FrameHeader.size, file: file, line: line)
        } catch {
            XCTFail("round trip of \(sample) threw \(error)", file: file, line: line)
        }
        // Every shorter payload is refused (truncated, or malformed when a length no longer fits).
        let payload = sample.encodedPayload()
        for cut in 0 ..< payload.count {
            XCTAssertThrowsError(try M(decodingPayload: Array(payload.prefix(cut))), file: file, line: line)
        }
        // A trailing byte is refused.
        XCTAssertThrowsError(try M(decodingPayload: payload + [0]), file: file, line: line) { error in
            XCTAssertEqual(error as? WireError, .malformed("1 trailing bytes"), file: file, line: line)
        }
        // Wrong kind version in the header.
        var wrongVersion = frame
        wrongVersion[8] &+= 1
        XCTAssertThrowsError(try Frame.decode(M.self, from: wrongVersion), file: file, line: line) { error in
            XCTAssertEqual(error as? WireError,
                           .wrongVersion(kind: M.kind, got: M.version &+ 1, expected: M.version), file: file, line: line)
        }
        // Unknown kind.
        var unknown = frame
        unknown[6] = 0xEE; unknown[7] = 0xEE
        XCTAssertThrowsError(try Frame.decode(M.self, from: unknown), file: file, line: line) { error in
            XCTAssertEqual(error as? WireError, .unknownKind(MessageKind(0xEEEE)), file: file, line: line)
        }
        // Oversized frame.
        let huge = frame + [UInt8](repeating: 0, count: FrameHeader.maxFrameSize)
        XCTAssertThrowsError(try Frame.decode(M.self, from: huge), file: file, line: line) { error in
            XCTAssertEqual(error as? WireError, .oversized(length: huge.count, limit: FrameHeader.maxFrameSize),
                           file: file, line: line)
        }
    }
    // Mutation loop: no input may trap. Anything decoded must re-encode to a frame that decodes equal.
    var mutator = Mutator(rng: SplitMix64(seed: seed))
    let frames = samples.map { Frame.encode($0, sequence: 1) }
    var decodedCount = 0
    for i in 0 ..< mutations {
        let bytes = mutator.mutate(frames[i % frames.count])
        do {
            let (header, message) = try Frame.decode(M.self, from: bytes)
            decodedCount += 1
            let again = try Frame.decode(M.self, from: Frame.encode(message, sequence: header.sequence))
            XCTAssertEqual(again.1, message, file: file, line: line)
        } catch {
            continue // typed throws: the decoders can only throw WireError, so this is a clean refusal
        }
    }
    // Some mutations (payload bit flips) must still decode, or the loop never reached the decoder proper.
    XCTAssertGreaterThan(decodedCount, 0, file: file, line: line)
}
