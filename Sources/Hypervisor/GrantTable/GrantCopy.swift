import XenABI

/// Checks and performs grant copies (Xen's gnttab_copy → gnttab_copy_one → gnttab_copy_buf). Every copy is
/// checked before a byte moves, in this order, each failure its own `GrantError` (and so its own `GNTST_*`):
///   1. offset + length inside the 4 KiB page on both sides, known flags   → GNTST_bad_copy_arg
///   2. the granting domain exists                                         → GNTST_bad_domain
///   3. the reference is inside its table                                  → GNTST_bad_gntref
///   4. the entry is GTF_permit_access and names the copier's domain       → GNTST_general_error
///   5. a written side is not GTF_readonly                                 → GNTST_general_error
///   6. the granted frame is inside the granter's RAM                      → GNTST_bad_page
/// A side that names a frame instead of a grant must be the copier's own (DOMID_SELF), in its RAM.
/// Each refusal is counted and logged with its values (`GrantTables.refuse`).
///
/// Example: d1 grants ref 8 = {GTF_permit_access|GTF_readonly, domid 0, frame 0x40010}. blkback (Dom0) may
/// read bytes 0..4095 of guest-physical 0x40010000 through ref 8; a write through ref 8 is GNTST_general_error,
/// offset 4000 + length 200 is GNTST_bad_copy_arg, d2 using ref 8 is GNTST_general_error.
public struct GrantCopy: Sendable {
    public let tables: GrantTables
    public static let pageSize = 4096

    public init(tables: GrantTables) { self.tables = tables }

    // MARK: one side

    /// Host memory for `length` bytes at `offset` of the frame `granter` granted with `ref` to `copier`.
    func granted(granter: DomID, ref: GrantRef, copier: DomID, offset: Int, length: Int, write: Bool)
        throws(GrantError) -> UnsafeMutableRawPointer {
        guard let table = tables.table(of: granter), tables.directory.exists(granter),
              let ram = tables.directory.memory(of: granter) else { throw .noSuchDomain(granter) }
        guard let entry = table.entry(ref) else { throw .badRef(granter: granter, ref: ref, entries: table.entryCount) }
        guard entry.flags.type == GrantFlags.typePermitAccess else {
            throw .notGranted(granter: granter, ref: ref, flags: entry.flags.rawValue)
        }
        guard entry.domid == copier.rawValue else {
            throw .wrongGrantee(granter: granter, ref: ref, grantedTo: entry.domid, copier: copier)
        }
        if write && entry.flags.contains(.readOnly) { throw .readOnly(granter: granter, ref: ref) }
        return try frame(UInt64(entry.frame), of: granter, ram: ram) + offset
    }

    /// Host memory for `length` bytes at `offset` of the copier's own guest frame `gmfn`.
    func ownFrame(copier: DomID, domid: UInt16, gmfn: UInt64, offset: Int) throws(GrantError) -> UnsafeMutableRawPointer {
        guard domid == DomID.selfReference.rawValue || domid == copier.rawValue else {
            throw .foreignFrame(copier: copier, domain: DomID(domid))
        }
        guard let ram = tables.directory.memory(of: copier) else { throw .noSuchDomain(copier) }
        return try frame(gmfn, of: copier, ram: ram) + offset
    }

    private func frame(_ gfn: UInt64, of domain: DomID, ram: MemoryBlock) throws(GrantError) -> UnsafeMutableRawPointer {
        // The console and xenstore rings live in magic pages outside RAM; reserved grants 0 and 1 name them.
        if let magic = tables.directory.magicPage(of: domain, frame: gfn) { return magic }
        let first = UInt64(GuestMemoryLayout.ramBase) / UInt64(GuestMemoryLayout.pageSize)
        guard gfn >= first, gfn - first <= UInt64(UInt32.max),
              let host = ram.frame(UInt32(gfn - first)) else { throw .frameOutsideRAM(domain: domain, frame: gfn) }
        return host
    }

    private static func checkRange(_ offset: Int, _ length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset + length <= pageSize
    }

    // MARK: the hypercall form

    /// One `gnttab_copy` from guest `copier` (each side a grant of another domain or the copier's own frame).
    /// Returns the status to write back into the op.
    public func copy(_ op: GnttabCopy, copier: DomID) -> GrantStatus {
        do throws(GrantError) {
            let known: GrantCopyFlags = [.sourceGref, .destGref]
            guard known.isSuperset(of: op.flags), Self.checkRange(Int(op.source.offset), Int(op.len)),
                  Self.checkRange(Int(op.dest.offset), Int(op.len)) else {
                let offset = max(op.source.offset, op.dest.offset)
                throw GrantError.badCopyArgument(offset: offset, length: op.len, flags: op.flags.rawValue)
            }
            let source = try side(op.source, isGrant: op.flags.contains(.sourceGref), copier: copier,
                                  length: Int(op.len), write: false)
            let dest = try side(op.dest, isGrant: op.flags.contains(.destGref), copier: copier,
                                length: Int(op.len), write: true)
            dest.copyMemory(from: source, byteCount: Int(op.len))  // memmove semantics not needed: one page each,
            // and an overlapping copy within one frame is the guest's own business (Xen uses memcpy too)
            return .okay
        } catch {
            tables.refuse(error, copier: copier)
            return error.status
        }
    }

    private func side(_ p: GnttabCopy.Pointer, isGrant: Bool, copier: DomID, length: Int, write: Bool)
        throws(GrantError) -> UnsafeMutableRawPointer {
        if isGrant {
            let granter = p.domid == DomID.selfReference.rawValue ? copier : DomID(p.domid)
            return try granted(granter: granter, ref: p.ref, copier: copier, offset: Int(p.offset), length: length,
                               write: write)
        }
        return try ownFrame(copier: copier, domid: p.domid, gmfn: p.u, offset: Int(p.offset))
    }

    // MARK: the bus form (a Dom0 process copies to or from its own buffer)

    /// Reads `length` bytes at `offset` of the frame `granter` granted with `ref` to `copier`.
    public func read(granter: DomID, ref: GrantRef, offset: Int, length: Int, copier: DomID) -> Result<[UInt8], GrantError> {
        do throws(GrantError) {
            guard Self.checkRange(offset, length) else {
                throw GrantError.badCopyArgument(offset: UInt16(clamping: offset), length: UInt16(clamping: length), flags: 0)
            }
            let p = try granted(granter: granter, ref: ref, copier: copier, offset: offset, length: length, write: false)
            return .success([UInt8](UnsafeRawBufferPointer(start: p, count: length)))
        } catch {
            tables.refuse(error, copier: copier)
            return .failure(error)
        }
    }

    /// Writes `bytes` at `offset` of the frame `granter` granted writable with `ref` to `copier`.
    public func write(granter: DomID, ref: GrantRef, offset: Int, bytes: [UInt8], copier: DomID) -> GrantError? {
        do throws(GrantError) {
            guard Self.checkRange(offset, bytes.count) else {
                throw GrantError.badCopyArgument(offset: UInt16(clamping: offset), length: UInt16(clamping: bytes.count),
                                                 flags: 0)
            }
            let p = try granted(granter: granter, ref: ref, copier: copier, offset: offset, length: bytes.count,
                                write: true)
            bytes.withUnsafeBytes { if let base = $0.baseAddress { p.copyMemory(from: base, byteCount: $0.count) } }
            return nil
        } catch {
            tables.refuse(error, copier: copier)
            return error
        }
    }
}
