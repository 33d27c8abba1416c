import Foundation
import Hypervisor
import Launcher
import XenABI
#if canImport(Glibc)
import Glibc
#endif

/// The hypervisor's part of every guest's console log (docs/console.md): what a guest writes through `console_io`
/// is appended, raw, to `RUN/console/NAME.log` with one `write(2)` per hypercall.
///
/// A guest served by a console backend shares that file with its terminal model (the log is a symlink to the
/// terminal's log), and the backend resumes from the file's length after a restart: it assumes the file grows
/// only by the ring's bytes once the guest has written its ring. So for such a guest the hypervisor appends only
/// while the ring's `out_prod` is still 0 (the guest has not produced a ring byte; read on the guest's own vCPU,
/// so no ring write can race with the hypercall); the backend anchors its arithmetic only once it sees ring
/// output, after every such append. A `console_io` write after the switch (our guest kernel makes none: the
/// switch is sticky) stays in `logs/hypervisor.log` only (one line says so).
final class HypervisorConsoleLogs: @unchecked Sendable {
    private struct Entry {
        var fd: Int32
        var sharedWithTerminal: Bool
        var ringSeen = false
    }

    private let lock = NSLock()
    private var entries: [UInt16: Entry] = [:]
    private let label: String

    /// Opens each guest's log (O_APPEND; created when missing) from the launch's index file.
    init(indexFile: String, domains: [Domain], label: String) throws {
        self.label = label
        let run = (indexFile as NSString).deletingLastPathComponent
        let consoles = try GuestConsoles.load(runDirectory: run)
        for domain in domains {
            guard let c = consoles.first(where: { $0.name == domain.name }) else { continue }
            let fd = open(c.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw CocoaError(.fileWriteUnknown,
                                 userInfo: [NSFilePathErrorKey: c.log, NSLocalizedDescriptionKey: String(cString: strerror(errno))])
            }
            entries[domain.id.rawValue] = Entry(fd: fd, sharedWithTerminal: c.terminal != nil)
        }
    }

    /// `Hypervisor.onConsoleBytes`.
    func append(_ domain: Domain, _ bytes: [UInt8]) {
        lock.lock(); defer { lock.unlock() }
        guard var entry = entries[domain.id.rawValue], !bytes.isEmpty else { return }
        if entry.sharedWithTerminal && !entry.ringSeen && ringStarted(domain) {
            entry.ringSeen = true
            entries[domain.id.rawValue] = entry
            Hypervisor.printLine("\(label): domain \(domain.name): console_io after the guest wrote its console "
                + "ring: not added to its console log (the terminal's log belongs to the ring now)")
        }
        if entry.ringSeen { return }
        bytes.withUnsafeBytes { p in
            var done = 0
            while done < p.count {
                let n = write(entry.fd, p.baseAddress! + done, p.count - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                done += n
            }
        }
    }

    /// The guest's console ring `out_prod` (xen/io/console.h: after in[1024], out[2048], in_cons, in_prod,
    /// out_cons) is not 0.
    private func ringStarted(_ domain: Domain) -> Bool {
        guard let page = domain.magicPages.first else { return false }
        return page.loadUnaligned(fromByteOffset: Self.outProdOffset, as: UInt32.self) != 0
    }

    static let outProdOffset = 3084
}
