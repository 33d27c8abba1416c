/// The run loop: fetch through the decode cache, check the condition (or ITSTATE in Thumb), execute.
///
/// Per instruction the fast path is: compare the PC's page with the cached fetch page, load the 16-byte
/// `Decoded` slot, set R15's read value, test the condition, switch on the op. Decoding, page changes,
/// interrupts and traps are out of line.
extension CPU {
    /// Runs at most `budget` instructions and says why it stopped.
    public func run(budget: Int) -> ExitReason {
        stopReason = nil
        var remaining = budget
        let regs = r
        defer { instructionsRetired &+= UInt64(budget - remaining) }
        while remaining > 0 {
            if interruptLines != 0 && takePendingInterrupt() { continue }
            let pc = state.pc
            let thumb = state.t
            if pc & 0xFFFF_F000 | (thumb ? 1 : 0) != fetchPage {
                do throws(Abort) { try resolveFetchPage(pc, thumb: thumb) } catch {
                    instructionAbort(error, pc: pc)
                    remaining -= 1
                    if stopReason != nil { break }
                    continue
                }
            }
            var d: Decoded
            let slot = fetchSlots.unsafelyUnwrapped + Int((pc & 0xFFF) >> (thumb ? 1 : 2))
            d = slot.pointee
            if d.op == .notDecoded {
                do throws(Abort) { d = try decodeSlow(pc, thumb: thumb, slot: slot) } catch {
                    instructionAbort(error, pc: pc)
                    remaining -= 1
                    if stopReason != nil { break }
                    continue
                }
            }
            nextPC = pc &+ UInt32(d.length)
            var cond = d.cond
            let itBefore = state.itState
            if thumb {
                regs[15] = pc &+ 4
                if itBefore != 0 {
                    cond = itBefore >> 4
                } else if d.flags.contains(.setFlagsOutsideIT) {
                    d.flags.insert(.setFlags)
                }
            } else {
                regs[15] = pc &+ 8
            }
            if cond >= 14 || ARMPseudocode.ConditionHolds(cond, n: state.n, z: state.z, c: state.c, v: state.v) {
                do throws(Abort) { try execute(d) } catch {
                    offer(error.kind == .data ? .dataAbort(address: error.address, status: error.status)
                                              : .prefetchAbort(address: error.address, status: error.status)) {
                        takeAbort(error)
                    }
                }
            }
            if itBefore != 0 && d.op != .it {
                // ITAdvance (A2.5.2); an exception entry has already cleared ITSTATE.
                let it = state.itState
                if it != 0 { state.itState = it & 7 == 0 ? 0 : (it & 0xE0) | ((it << 1) & 0x1F) }
            }
            state.pc = nextPC
            remaining -= 1
            if stopReason != nil { break }
        }
        return stopReason ?? .budgetExhausted
    }

    /// A prefetch abort before the instruction at `pc` could be decoded.
    @inline(never)
    func instructionAbort(_ error: Abort, pc: UInt32) {
        nextPC = pc
        offer(.prefetchAbort(address: error.address, status: error.status)) { takeAbort(error) }
        state.pc = nextPC
    }

    /// Looks up (and caches) the page holding `pc` for execution: translation with execute permission, a host
    /// page with execute permission (code cannot run from MMIO: a prefetch abort), its decoded slots.
    @inline(never)
    func resolveFetchPage(_ pc: UInt32, thumb: Bool) throws(Abort) {
        let user = isUser
        let base = pc & 0xFFFF_F000
        let e = tlb.entry(pc, user: user)
        let hostBase: UnsafeMutableRawPointer, page: UInt32
        if e.pointee.executeTag == base {
            hostBase = UnsafeMutableRawPointer(bitPattern: e.pointee.addend &+ UInt(base)).unsafelyUnwrapped
            page = e.pointee.physicalPage
        } else {
            let t = try translate(pc, .execute, user: user)
            let pe = memory.lookup(t.physical)
            guard let h = pe.host, pe.permissions.contains(.execute) else {
                throw Abort(kind: .prefetch, address: pc, status: FaultStatus.fsr(FaultStatus.synchronousExternal))
            }
            fill(e, va: pc, physical: t.physical, host: h, stage1: t, stage2: pe.permissions)
            hostBase = h
            page = t.physical >> 12
        }
        if !decodeCache.isCode(page: page) { tlb.revokeWrites(physicalPage: page) }
        fetchSlots = decodeCache.slots(page: page, thumb: thumb)
        fetchHost = UnsafeRawPointer(hostBase)
        fetchPhysicalPage = page
        fetchPage = base | (thumb ? 1 : 0)
    }

    /// Decodes the instruction at `pc` (in the current fetch page) into its slot. A 32-bit T32 instruction
    /// whose second halfword is on the next page is decoded but not cached.
    @inline(never)
    func decodeSlow(_ pc: UInt32, thumb: Bool, slot: UnsafeMutablePointer<Decoded>) throws(Abort) -> Decoded {
        if !decodeCache.isCode(page: fetchPhysicalPage) {
            // An invalidation cleared the page's bit since we resolved it: mark it again so stores to it keep
            // reaching the decode cache.
            tlb.revokeWrites(physicalPage: fetchPhysicalPage)
            decodeCache.markCode(fetchPhysicalPage)
        }
        let offset = Int(pc & 0xFFF)
        let bytes = fetchHost.unsafelyUnwrapped
        if !thumb {
            let d = ArmTable.decode(bytes.load(fromByteOffset: offset, as: UInt32.self))
            slot.pointee = d
            return d
        }
        let hw1 = bytes.load(fromByteOffset: offset, as: UInt16.self)
        if !ThumbDecoder.isThumb32(hw1) {
            let d = ThumbDecoder.decode(hw1, 0)
            slot.pointee = d
            return d
        }
        if offset == 0xFFE {
            return ThumbDecoder.decode(hw1, try fetchHalfwordSlow(pc &+ 2))
        }
        let d = ThumbDecoder.decode(hw1, bytes.load(fromByteOffset: offset + 2, as: UInt16.self))
        slot.pointee = d
        return d
    }

    /// The halfword at `va` for instruction fetch, outside the fetch page.
    func fetchHalfwordSlow(_ va: UInt32) throws(Abort) -> UInt16 {
        let t = try translate(va, .execute, user: isUser)
        let pe = memory.lookup(t.physical)
        guard let h = pe.host, pe.permissions.contains(.execute) else {
            throw Abort(kind: .prefetch, address: va, status: FaultStatus.fsr(FaultStatus.synchronousExternal))
        }
        return h.load(fromByteOffset: Int(t.physical & 0xFFF), as: UInt16.self)
    }

    /// The raw encoding of the instruction at `state.pc` (for the host's Undefined trap); 0 if unreadable.
    func rawInstruction() -> UInt32 {
        let pc = state.pc
        do throws(Abort) {
            if state.t {
                let hw1 = try fetchHalfwordSlow(pc)
                if ThumbDecoder.isThumb32(hw1) { return UInt32(hw1) << 16 | UInt32(try fetchHalfwordSlow(pc &+ 2)) }
                return UInt32(hw1)
            }
            return UInt32(try fetchHalfwordSlow(pc)) | UInt32(try fetchHalfwordSlow(pc &+ 2)) << 16
        } catch {
            return 0
        }
    }
}
