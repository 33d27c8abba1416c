/// What one guest's console lines say (docs/restart.md, "What the guests print"):
///
///     ACK seq=Q sector=S count=C                  write Q of C sectors at S returned 0 (printed after the call)
///     ERR op=OP seq=Q sector=S count=C rc=R       any call that failed (seq/sector/count for writes)
///     READ ok sector=S count=C                    a read-back matched the last acknowledged writes
///     WRONG sector=S want=Q got=Q'                a read-back sector held another write's stamp
///     PROGRESS N [t=MS]                           a progress counter, optionally stamped with guest time
///     line NNNNNN ...  /  LINES done count=N      console-echo's numbered lines
///     RESULT ok | RESULT fail ...
public struct SoakGuestLog: Sendable {
    public struct Write: Equatable, Sendable {
        public var seq: UInt64, sector: UInt64, count: UInt64
        public init(seq: UInt64, sector: UInt64, count: UInt64) { self.seq = seq; self.sector = sector; self.count = count }
    }
    public struct Sample: Equatable, Sendable {
        public var arrival: Double, counter: Double, guestMilliseconds: Double?
        public init(arrival: Double, counter: Double, guestMilliseconds: Double? = nil) {
            self.arrival = arrival; self.counter = counter; self.guestMilliseconds = guestMilliseconds
        }
    }

    public private(set) var domain: String
    public private(set) var acks: [Write] = []
    /// Writes that returned an error: their sectors may hold the old or the new stamp.
    public private(set) var failedWrites: [Write] = []
    public private(set) var readsOK = 0
    public private(set) var wrong: [String] = []
    public private(set) var errors: [String] = []
    public private(set) var result: String?
    public private(set) var progress: [Sample] = []
    public private(set) var numbered: [Int] = []
    public private(set) var numberedExpected: Int?

    /// The lines of `domain` among `lines`.
    public init(domain: String, lines: [SoakLine]) {
        self.domain = domain
        for line in lines where line.domain == domain { take(line) }
    }

    private mutating func take(_ line: SoakLine) {
        let text = line.text
        if text.hasPrefix("ACK ") {
            if let w = Self.write(text) { acks.append(w) } else { errors.append("unreadable: \(text)") }
        } else if text.hasPrefix("ERR ") {
            errors.append(text)
            if Self.field(text, "op") == "write", let w = Self.write(text) { failedWrites.append(w) }
        } else if text.hasPrefix("READ ok") {
            readsOK += 1
        } else if text.hasPrefix("WRONG ") {
            wrong.append(text)
        } else if text.hasPrefix("PROGRESS ") {
            let words = text.split(separator: " ")
            if words.count >= 2, let n = Double(words[1]) {
                progress.append(Sample(arrival: line.time, counter: n,
                                       guestMilliseconds: Self.field(text, "t").flatMap(Double.init)))
            }
        } else if text.hasPrefix("line "), text.count >= 11, let n = Int(text.dropFirst(5).prefix(6)) {
            numbered.append(n)
        } else if text.hasPrefix("LINES done count="), let n = Int(text.dropFirst(17)) {
            numberedExpected = n
        } else if text.hasPrefix("RESULT ") {
            result = text
        }
    }

    /// `key=value` in a space-separated line.
    static func field(_ text: String, _ key: String) -> String? {
        for word in text.split(separator: " ") where word.hasPrefix(key + "=") {
            return String(word.dropFirst(key.count + 1))
        }
        return nil
    }

    static func write(_ text: String) -> Write? {
        guard let seq = field(text, "seq").flatMap({ UInt64($0) }),
              let sector = field(text, "sector").flatMap({ UInt64($0) }),
              let count = field(text, "count").flatMap({ UInt64($0) }) else { return nil }
        return Write(seq: seq, sector: sector, count: count)
    }

    /// Numbered console lines missing, and repeated or out of order, against `LINES done count=N`.
    public var numberedDefects: (expected: Int, missing: Int, repeated: Int) {
        guard let expected = numberedExpected ?? numbered.max(), expected > 0 else { return (0, 0, 0) }
        let seen = Set(numbered)
        let missing = (1...expected).filter { !seen.contains($0) }.count
        let disordered = numbered.indices.dropFirst().filter { numbered[$0] <= numbered[$0 - 1] }.count
        return (expected, missing, disordered)
    }
}
