/// DeviceModels: the processes that play the real hardware behind Dom0's native drivers.
public enum DeviceModelKind: String, CaseIterable, Sendable {
    case disk, terminal
}
