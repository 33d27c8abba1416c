import CZMQ

/// The version of the system libzmq this process is linked against (shown by `xenarm version`).
public struct LibzmqVersion: Sendable, CustomStringConvertible {
    public let major: Int32, minor: Int32, patch: Int32

    public static var linked: LibzmqVersion {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return LibzmqVersion(major: major, minor: minor, patch: patch)
    }

    public var description: String { "\(major).\(minor).\(patch)" }
}
