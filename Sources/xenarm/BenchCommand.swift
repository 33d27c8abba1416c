import ArgumentParser

/// `xenarm bench …`: measurements against a reference run side by side (docs/benchmarks.md).
/// Other modules add their own subcommand here (`cpu`, `blk`).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Run a benchmark against its reference, side by side.",
        subcommands: [BenchWireCommand.self, BenchWireWorkerCommand.self, BenchBlkCommand.self])
}
