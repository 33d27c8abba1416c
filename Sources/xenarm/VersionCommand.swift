import ArgumentParser
import Wire

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print xenarm's version and the libzmq it uses.")

    func run() throws {
        print("xenarm 0.1.0 (libzmq \(LibzmqVersion.linked))")
    }
}
