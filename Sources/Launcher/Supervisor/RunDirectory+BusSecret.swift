import Wire

extension RunDirectory {
    /// `RUN/bus.secret`: the per-launch secret that admits Dom0 processes to the hypervisor bus (mode 0600,
    /// written afresh by every launch: see `Wire.BusSecret`).
    public var busSecretFile: String { "\(path)/bus.secret" }

    /// Writes a new secret (called by `create`, so every launch has its own).
    func writeBusSecret() throws {
        do {
            try BusSecret.write(BusSecret.generate(), to: busSecretFile)
        } catch {
            throw SupervisorError.runDirectory(path: busSecretFile, detail: error.description)
        }
    }
}
