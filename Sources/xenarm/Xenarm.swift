import ArgumentParser
import Wire

/// The single executable: every process kind is a subcommand (DESIGN.md §2).
@main
struct Xenarm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xenarm",
        abstract: "A Xen-ARM style hypervisor run as a multi-process emulator.",
        subcommands: [
            VersionCommand.self,
            CheckCommand.self,
            LaunchCommand.self, StatusCommand.self, KillCommand.self, RestartCommand.self, StopCommand.self,
            DeviceCommand.self,
            BenchCommand.self,
            CPUCommand.self,
            HypervisorCommand.self,
            BusEchoCommand.self,
            DecodeCommand.self,
            XenstoredCommand.self,
            BackendCommand.self,
            ConsoleCommand.self,
            SoakCommand.self,
            TestCommand.self,
        ]
    )
}
