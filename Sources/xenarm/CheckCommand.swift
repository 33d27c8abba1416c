import ArgumentParser
import Foundation
import Launcher

/// `xenarm check FILE...`: validates topology files without starting anything (docs/topology.md).
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate topology files and print every error, or a one-line summary per valid file.",
        discussion: "Errors are printed as FILE:LINE:COL: error: MESSAGE on stderr; the exit status is 2 "
            + "if any file has an error.")

    @Argument(help: "Topology files (YAML).")
    var files: [String] = []

    @Flag(help: "Print the table of every key a topology file may use (markdown, as in docs/topology.md).")
    var keys = false

    func validate() throws {
        if files.isEmpty && !keys { throw ValidationError("name at least one topology file") }
    }

    func run() throws {
        if keys {
            for section in TopologyKey.Section.allCases {
                print("### \(section.heading)\n\n\(TopologyKeys.markdownTable(for: section))\n")
            }
        }
        var failed = false
        for file in files {
            do {
                let t = try TopologyLoader.load(path: file)
                print("\(file): ok (\(t.domains.count) domains, \(t.devices.count) devices, "
                    + "\(t.backends.count) backends, \(t.workloads.count) workloads)")
            } catch {
                failed = true
                for diagnostic in error.diagnostics { printError(diagnostic.description) }
            }
        }
        if failed { throw ExitCode(2) }
    }

    /// stdout is flushed first so that `2>&1` keeps the files in order.
    private func printError(_ line: String) {
        fflush(nil)
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
