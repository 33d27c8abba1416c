import ArgumentParser
import ARMCore

/// `xenarm decode --isa thumb|arm [HEX…]`: names the decode-table row and `Op` of each encoding (from the
/// arguments, or one per line on stdin). A test and coverage tool for the decode tables
/// (`Tests/Integration/cpu/t32coverage.py`); it executes nothing.
///
/// Thumb encodings are written as the halfwords in order: `1cd1` (16-bit) or `f00221ff` (hw1 then hw2).
/// Output: `HEX<TAB>row name<TAB>op`, with `-` as the row name when no row matches (Undefined).
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode", abstract: "Name the decode-table row of ARM or Thumb encodings (no execution).")

    enum ISA: String, ExpressibleByArgument { case arm, thumb }

    @Option(help: "Instruction set of the encodings: arm or thumb.")
    var isa: ISA = .thumb

    @Flag(help: "List the table's row names (Thumb: 16-bit rows, then 32-bit rows) instead of decoding.")
    var listRows = false

    @Argument(help: "Encodings in hex; none: read them from stdin, one per line.")
    var encodings: [String] = []

    func run() throws {
        if listRows {
            let names = isa == .arm ? ArmTable.rows.map(\.name) : (Thumb16Table.rows + Thumb32Table.rows).map(\.name)
            for n in names { print(n) }
            return
        }
        if !encodings.isEmpty {
            for e in encodings { print(describe(e)) }
            return
        }
        while let line = readLine() {
            let e = line.filter { !$0.isWhitespace }
            if !e.isEmpty { print(describe(e)) }
        }
    }

    private func describe(_ text: String) -> String {
        guard let raw = UInt32(text, radix: 16), text.count <= 8 else { return "\(text)\t-\tbad-hex" }
        switch isa {
        case .arm:
            let name = ArmTable.compiled.match(raw)?.name ?? "-"
            return "\(text)\t\(name)\t\(ArmTable.decode(raw).op)"
        case .thumb:
            if text.count <= 4 {
                let hw = UInt16(truncatingIfNeeded: raw)
                return "\(text)\t\(Thumb16Table.table.row(for: raw)?.name ?? "-")\t\(ThumbDecoder.decode(hw, 0).op)"
            }
            let d = ThumbDecoder.decode(UInt16(raw >> 16), UInt16(truncatingIfNeeded: raw))
            return "\(text)\t\(Thumb32Table.table.row(for: raw)?.name ?? "-")\t\(d.op)"
        }
    }
}
