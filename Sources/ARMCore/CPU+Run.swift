/// The run loop: fetch through the decode cache, check the condition (or ITSTATE in Thumb), execute.
///
/// Per instruction the fast path is: compare the PC's page with the cached fetch page, load the 16-byte
/// `Decoded` slot, set R15's read value, test the condition, switch on the op. Decoding, page changes,
/// interrupts and traps are out of line.
extension CPU {
    /// Runs at most `budget` instructions and says why it stopped.
    ///
    /// Two loops: the outer one takes interrupts and resolves the fetch page; the inner one runs straight-line
    /// code within that page and leaves on anything that may change where or how to fetch (a taken branch, a
    /// page boundary, an exception, a change of instruction set, mode or translation — all of which reset
    /// `fetchPage` — a stop, a raised interrupt line, the end of the budget).
    public func run(budget: Int) -> ExitReason {
        stopReason = nil
        stopRequested = false
        fetchPage = TLB.invalid // the host may have changed the mode or the memory map between runs
        decodeCache.releaseRetired()
        var remaining = budget
        let regs = r
        let st = state
        defer { instructionsRetired &+= UInt64(budget - remaining) }
        outer: while remaining > 0 {
            if interruptLines != 0 && takePendingInterrupt() { continue }
            var pc = st.pc
            let thumb = st.t
            let key = pc & 0xFFFF_F000 | (thumb ? 1 : 0)
            if key != fetchPage {
                do throws(Abort) { try resolveFetchPage(pc, thumb: thumb) } catch {
                    instructionAbort(error, pc: pc)
                    remaining -= 1
                    if stopRequested { break }
                    continue
                }
            }
            let slots = fetchSlots.unsafelyUnwrapped
            let shift: UInt32 = thumb ? 1 : 2
            let pcOffset: UInt32 = thumb ? 4 : 8
            while true {
                var slot = slots + Int((pc & 0xFFF) >> shift)
                if slot.pointee.op == .notDecoded {
                    do throws(Abort) { slot = try decodeSlow(pc, thumb: thumb, slot: slot) } catch {
                        instructionAbort(error, pc: pc)
                        remaining -= 1
                        if stopRequested { break outer }
                        continue outer
                    }
                }
                let next = pc &+ UInt32(slot.pointee.length)
                nextPC = next
                regs[15] = pc &+ pcOffset
                var cond = slot.pointee.cond
                var itBefore: UInt8 = 0
                if thumb {
                    itBefore = st.itState
                    if itBefore != 0 {
                        cond = itBefore >> 4
                    } else if slot.pointee.flags.has(.setFlagsOutsideIT) {
                        // T16 "S if outside an IT block": run a copy with S set.
                        scratch[1] = slot.pointee
                        scratch[1].flags.insert(.setFlags)
                        slot = scratch + 1
                    }
                }
                if cond >= 14 || ARMPseudocode.ConditionHolds(cond, n: st.n, z: st.z, c: st.c, v: st.v) {
                    do throws(Abort) { try execute(UnsafePointer(slot)) } catch {
                        dataAbort(error)
                    }
                }
                if itBefore != 0 && slot.pointee.op != .it {
                    // ITAdvance (A2.5.2); an exception entry has already cleared ITSTATE.
                    let it = st.itState
                    if it != 0 { st.itState = it & 7 == 0 ? 0 : (it & 0xE0) | ((it << 1) & 0x1F) }
                }
                remaining -= 1
                let target = nextPC
                st.pc = target
                if target != next || (next ^ pc) & 0xFFFF_F000 != 0 || fetchPage != key || stopRequested
                    || interruptLines != 0 || remaining <= 0 {
                    if stopRequested { break outer }
                    continue outer
                }
                pc = next
            }
        }
        return stopReason ?? .budgetExhausted
    }

    /// An abort raised while executing: offered to the host, then the Data Abort (or Prefetch Abort) exception.
    @inline(never)
    func dataAbort(_ error: Abort) {
        offer(error.kind == .data ? .dataAbort(address: error.address, status: error.status)
                                  : .prefetchAbort(address: error.address, status: error.status)) {
            takeAbort(error)
        }
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
        decodeCache.releaseRetired() // between instructions: no slot pointer is in use
        fetchSlots = decodeCache.slots(page: page, thumb: thumb)
        fetchHost = UnsafeRawPointer(hostBase)
        fetchPhysicalPage = page
        fetchPage = base | (thumb ? 1 : 0)
    }

    /// Decodes the instruction at `pc` (in the current fetch page) into its slot and returns the slot. A 32-bit
    /// T32 instruction whose second halfword is on the next page is decoded into a scratch slot, never cached.
    @inline(never)
    func decodeSlow(_ pc: UInt32, thumb: Bool, slot: UnsafeMutablePointer<Decoded>) throws(Abort) -> UnsafeMutablePointer<Decoded> {
        if !decodeCache.isCode(page: fetchPhysicalPage) {
            // An invalidation cleared the page's bit since we resolved it: mark it again so stores to it keep
            // reaching the decode cache.
            tlb.revokeWrites(physicalPage: fetchPhysicalPage)
            decodeCache.markCode(fetchPhysicalPage)
        }
        let offset = Int(pc & 0xFFF)
        let bytes = fetchHost.unsafelyUnwrapped
        if !thumb {
            slot.pointee = FastForms.specialize(ArmTable.decode(bytes.load(fromByteOffset: offset, as: UInt32.self)))
            return slot
        }
        let hw1 = bytes.load(fromByteOffset: offset, as: UInt16.self)
        if !ThumbDecoder.isThumb32(hw1) {
            slot.pointee = FastForms.specialize(ThumbDecoder.decode(hw1, 0))
            return slot
        }
        if offset == 0xFFE {
            scratch[0] = FastForms.specialize(ThumbDecoder.decode(hw1, try fetchHalfwordSlow(pc &+ 2)))
            return scratch
        }
        slot.pointee = FastForms.specialize(ThumbDecoder.decode(hw1, bytes.load(fromByteOffset: offset + 2, as: UInt16.self)))
        return slot
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
