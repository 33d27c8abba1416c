import Foundation
import Launcher

/// Reads a topology file for `launch`.
enum TopologySource {
    struct LoaderMissing: Error, CustomStringConvertible {
        var description: String { "this build has no topology loader yet (branch topo)" }
    }

    static func load(_ path: String) throws -> Topology {
        throw LoaderMissing()
    }
}
