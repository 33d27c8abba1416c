/// The bounds the loader enforces, each with its reason. The key table quotes the ranges.
public enum TopologyLimits {
    /// Memory is handed to domains in 4 KiB pages: the software stage 2 maps guest frames one page at a time.
    public static let pageSize: UInt64 = 4096

    /// The smallest domain. A paravirtualized guest needs, inside its own block: the kernel image, a 16 KiB
    /// ARMv7 first-level translation table (16 KiB aligned), its second-level tables, a stack per mode, and the
    /// shared ring pages it grants to backends. 1 MiB is also one ARMv7 section, the unit a first-level entry
    /// maps, so anything smaller cannot even be mapped with one entry. Xen's own toolstack refuses far less.
    public static let minDomainMemory: UInt64 = 1 << 20

    /// The largest domain: guest RAM starts at 0x40000000 and the 32-bit guest physical space ends at 4 GiB,
    /// which is `GUEST_RAM0_SIZE` (0xc0000000) in `xen/arch-arm.h`.
    public static let maxDomainMemory: UInt64 = 3 << 30

    /// The hypervisor's default reserve: room for its frame table, per-domain grant tables and event-channel
    /// buckets, well above what a handful of small domains needs.
    public static let defaultHypervisorReserve: UInt64 = 16 << 20

    /// Disk sizes are whole 512-byte sectors: `blkif` addresses sectors of 512 bytes (`xen/io/blkif.h`).
    public static let sectorSize: UInt64 = 512

    /// Host threads running vCPUs. More threads than host cores only time-slice; 64 bounds a typo.
    public static let pcpus: ClosedRange<Int> = 1...64

    /// vCPUs per domain: a GICv2 distributor has 8 CPU interfaces, the limit Xen on ARM has with a vGICv2.
    public static let vcpus: ClosedRange<Int> = 1...8

    /// Xen credit scheduler weights (`xl sched-credit -w`): 1 to 65535.
    public static let weight: ClosedRange<Int> = 1...65535

    /// Credit cap in percent of one pCPU; the per-domain bound is 100 × vcpus, at most 800.
    public static let cap: ClosedRange<Int> = 0...800

    /// A restart count beyond this is no longer a crash-loop guard.
    public static let maxRestarts: ClosedRange<Int> = 0...1000

    /// Requests of one workload: enough for any soak, small enough that a typo does not run for a day.
    public static let requests: ClosedRange<Int> = 1...100_000_000

    /// Durations longer than a day are typos (restart windows and backoffs).
    public static let maxDurationMilliseconds = 86_400_000
}
