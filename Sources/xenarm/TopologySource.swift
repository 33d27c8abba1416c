import ArgumentParser
import Foundation
import Launcher

/// Reads a topology file for `launch`: an invalid one is reported as `xenarm check` does (every error as
/// FILE:LINE:COL: error: MESSAGE, exit status 2) and nothing is started.
enum TopologySource {
    static func load(_ path: String) throws -> Topology {
        do {
            return try TopologyLoader.load(path: path)
        } catch {
            fflush(nil)
            for diagnostic in error.diagnostics {
                FileHandle.standardError.write(Data((diagnostic.description + "\n").utf8))
            }
            throw ExitCode(2)
        }
    }
}
