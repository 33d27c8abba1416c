import XCTest
import ARMCore

/// Compiled C programs run through the Linux user-mode shim, output captured through the hook.
final class LinuxUserProcessTests: XCTestCase {
    static let runtime = """
        static int sys3(int n, int a, int b, int c) {
          register int r0 asm("r0") = a; register int r1 asm("r1") = b; register int r2 asm("r2") = c;
          register int r7 asm("r7") = n;
          asm volatile("svc 0" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r7) : "memory");
          return r0;
        }
        static int slen(const char *s) { int n = 0; while (s[n]) n++; return n; }
        static void puts_(const char *s) { sys3(4, 1, (int)s, slen(s)); }
        static void putu(unsigned v) { char b[12]; int i = 11; b[i] = 0; do { b[--i] = '0' + v % 10; v /= 10; } while (v); puts_(b + i); }
        int main(int argc, char **argv);
        __attribute__((naked)) void _start(void) {
          asm volatile("ldr r0, [sp]\\n add r1, sp, #4\\n bl main\\n mov r7, #248\\n svc 0\\n");
        }

        """

    func run(_ body: String, arguments: [String] = ["prog"], flags: [String] = ["-O2"]) throws -> (LinuxUserProcess.Termination, String, [String]) {
        let elf = try Toolchain.build(Self.runtime + body, ext: "c", flags: flags)
        let process = try LinuxUserProcess(image: try ELFImage(bytes: elf), arguments: arguments, environment: ["A=1"])
        var out: [UInt8] = []
        var diagnostics: [String] = []
        process.outputHook = { _, bytes in out += bytes }
        process.diagnostics = { diagnostics.append($0) }
        let t = process.run()
        return (t, String(decoding: out, as: UTF8.self), diagnostics)
    }

    func testArgumentsOutputAndExitStatus() throws {
        let (t, out, _) = try run("""
            int main(int argc, char **argv) {
              for (int i = 0; i < argc; i++) { puts_(argv[i]); puts_("\\n"); }
              return 7;
            }
            """, arguments: ["prog", "one", "two"])
        XCTAssertEqual(t, .exited(7))
        XCTAssertEqual(out, "prog\none\ntwo\n")
    }

    func testArithmeticHeavyProgramComputesWhatTheCompilerMeant() throws {
        for flags in [["-O0"], ["-O2"]] {
            let (t, out, _) = try run("""
                static unsigned long long fact(unsigned n) { return n < 2 ? 1 : n * fact(n - 1); }
                static int cmp(int a, int b) { return (a > b) - (a < b); }
                int main(int argc, char **argv) {
                  unsigned long long f = fact(20);
                  putu((unsigned)(f >> 32)); puts_(" "); putu((unsigned)f); puts_("\\n");
                  int a[8] = {5, -3, 9, 0, -8, 7, 2, 1};
                  for (int i = 1; i < 8; i++) for (int j = i; j > 0 && cmp(a[j-1], a[j]) > 0; j--) { int t = a[j]; a[j] = a[j-1]; a[j-1] = t; }
                  for (int i = 0; i < 8; i++) { putu((unsigned)(a[i] + 100)); puts_(","); }
                  puts_("\\n");
                  putu(1000000007u % 97u); puts_(" "); putu((unsigned)(-1000 / 7 + 1000)); puts_("\\n");
                  return 0;
                }
                """, flags: flags)
            XCTAssertEqual(t, .exited(0), "\(flags)")
            // 20! = 2432902008176640000 = 0x21C3677C82B40000
            XCTAssertEqual(out, "566454140 2192834560\n92,97,100,101,102,105,107,109,\n\(1000000007 % 97) \(-1000 / 7 + 1000)\n", "\(flags)")
        }
    }

    func testUnsupportedSyscallIsNamedAndReturnsENOSYS() throws {
        let (t, _, diagnostics) = try run("""
            int main(int argc, char **argv) { return -sys3(322, 0, 0, 0); }
            """)
        XCTAssertEqual(t, .exited(38))
        XCTAssertEqual(diagnostics, ["xenarm: unsupported syscall openat (322): returning -ENOSYS"])
    }

    func testBrkAndTLSThroughTheKuserHelper() throws {
        let (t, out, _) = try run("""
            int main(int argc, char **argv) {
              unsigned cur = sys3(45, 0, 0, 0);
              unsigned next = sys3(45, cur + 100000, 0, 0);
              char *p = (char *)cur; p[99999] = 42;
              sys3(0xf0005, 0x1234, 0, 0);
              unsigned (*get_tls)(void) = (unsigned (*)(void))0xffff0fe0;
              putu(next - cur); puts_(" "); putu(p[99999]); puts_(" "); putu(get_tls()); puts_("\\n");
              return 0;
            }
            """)
        XCTAssertEqual(t, .exited(0))
        XCTAssertEqual(out, "100000 42 4660\n")
    }

    func testAWildStoreKillsTheProgramWithSIGSEGV() throws {
        let (t, _, _) = try run("""
            int main(int argc, char **argv) { *(volatile int *)0x30000000 = 1; return 0; }
            """)
        guard case let .signaled(signal, reason) = t else { return XCTFail("\(t)") }
        XCTAssertEqual(signal, 11)
        XCTAssertTrue(reason.contains("Segmentation fault"))
    }
}
