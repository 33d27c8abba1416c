import ArgumentParser
import ARMCore
#if canImport(Glibc)
import Glibc
#endif

/// `xenarm cpu …`: the ARMCore interpreter on its own.
struct CPUCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cpu", abstract: "Run ARM programs on the ARMCore interpreter.",
        subcommands: [CPURunCommand.self])
}

/// `xenarm cpu run PROG.elf [ARGS…] [--stats]`: runs a static ARM Linux executable in user mode, like
/// `qemu-arm PROG.elf ARGS…` (same stdout, same exit status, same fatal signal).
struct CPURunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a static ARM EABI Linux ELF in user mode (like qemu-arm).")

    @Flag(name: .long, help: "Print instructions retired and MIPS on stderr at exit.")
    var stats = false

    @Argument(help: "The ELF executable.")
    var program: String

    @Argument(parsing: .allUnrecognized, help: "Arguments passed to the program (`--stats` anywhere is ours).")
    var arguments: [String] = []

    func run() throws {
        let bytes: [UInt8]
        do {
            bytes = try readFile(program)
        } catch {
            fail("xenarm: cannot read \(program): \(error)")
        }
        let image: ELFImage
        do {
            image = try ELFImage(bytes: bytes)
        } catch {
            fail("xenarm: \(program): \(error)")
        }
        var environment: [String] = []
        var e = environ
        while let p = e.pointee { environment.append(String(cString: p)); e += 1 }
        let process: LinuxUserProcess
        do {
            process = try LinuxUserProcess(image: image, arguments: [program] + arguments, environment: environment)
        } catch {
            fail("xenarm: \(error)")
        }
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        let termination = process.run()
        clock_gettime(CLOCK_MONOTONIC, &end)
        if stats {
            let seconds = Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
            let n = process.instructionsRetired
            let mips = seconds > 0 ? Double(n) / seconds / 1e6 : 0
            let line = "xenarm: instructions retired: \(n)\nxenarm: time: \(String(format3(seconds))) s\nxenarm: MIPS: \(String(format3(mips)))\n"
            writeStderr(line)
        }
        switch termination {
        case let .exited(code):
            Glibc.exit(code)
        case let .signaled(signal, reason):
            writeStderr(reason + "\n")
            // Die of the same signal, as qemu-arm does, so the parent sees the same status.
            Glibc.signal(signal, SIG_DFL)
            var limit = rlimit(rlim_cur: 0, rlim_max: 0)
            setrlimit(Int32(RLIMIT_CORE.rawValue), &limit)
            raise(signal)
            Glibc.exit(128 + signal)
        }
    }

    func fail(_ message: String) -> Never {
        writeStderr(message + "\n")
        Glibc.exit(2)
    }
}

private func writeStderr(_ s: String) {
    var bytes = Array(s.utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}

private func format3(_ x: Double) -> String {
    let scaled = (x * 1000).rounded()
    let whole = Int(scaled / 1000), frac = Int(abs(scaled).truncatingRemainder(dividingBy: 1000))
    let f = String(frac)
    return "\(whole).\(String(repeating: "0", count: 3 - f.count))\(f)"
}

/// Reads a whole file; throws a readable error (missing file, directory, permission).
private func readFile(_ path: String) throws -> [UInt8] {
    struct FileError: Error, CustomStringConvertible { let description: String }
    let fd = open(path, O_RDONLY)
    if fd < 0 { throw FileError(description: String(cString: strerror(errno))) }
    defer { close(fd) }
    var st = stat()
    if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR { throw FileError(description: "is a directory") }
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 { throw FileError(description: String(cString: strerror(errno))) }
        if n == 0 { break }
        result += chunk[0..<n]
    }
    return result
}
