/// A memory abort raised while executing an instruction; the run loop turns it into a Data Abort or Prefetch
/// Abort exception (or offers it to the host first). Thrown with typed throws, so no allocation.
public struct Abort: Error, Sendable, Equatable {
    public enum Kind: Sendable { case data, prefetch }
    public var kind: Kind
    /// Faulting virtual address (DFAR / IFAR).
    public var address: UInt32
    /// The DFSR / IFSR value (short-descriptor format: FS in bits [10, 3:0], domain in [7:4], WnR in 11).
    public var status: UInt32

    public init(kind: Kind, address: UInt32, status: UInt32) {
        self.kind = kind; self.address = address; self.status = status
    }
}

/// Short-descriptor fault status codes (ARM ARM B3.13.3, table B3-23), FS[4:0].
public enum FaultStatus {
    public static let alignment: UInt32 = 0b00001
    public static let debugEvent: UInt32 = 0b00010
    public static let translationSection: UInt32 = 0b00101
    public static let translationPage: UInt32 = 0b00111
    public static let domainSection: UInt32 = 0b01001
    public static let domainPage: UInt32 = 0b01011
    public static let permissionSection: UInt32 = 0b01101
    public static let permissionPage: UInt32 = 0b01111
    public static let synchronousExternal: UInt32 = 0b01000
    public static let externalOnWalkFirstLevel: UInt32 = 0b01100
    public static let externalOnWalkSecondLevel: UInt32 = 0b01110

    /// The FSR word: FS[3:0] in bits 3:0, FS[4] in bit 10, domain in bits 7:4, WnR in bit 11.
    @inline(__always)
    public static func fsr(_ fs: UInt32, domain: UInt32 = 0, write: Bool = false) -> UInt32 {
        (fs & 0xF) | ((fs >> 4) & 1) << 10 | (domain & 0xF) << 4 | (write ? 1 << 11 : 0)
    }
}
