/// Launcher: topology parsing and validation, the supervisor, the control socket.
public enum LauncherInfo {
    public static let defaultTopology = "Topologies/default.yaml"
}
