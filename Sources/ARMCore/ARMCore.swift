/// ARMCore: an ARMv7-A interpreter (A32 and T32), its MMU and an ELF loader.
/// It knows nothing of Xen or ZeroMQ: embedders reach it through `CPUHost`.
public enum ARMCoreInfo {
    public static let architecture = "ARMv7-A"
}
