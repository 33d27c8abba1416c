import Dom0Backend
import Foundation
import XCTest
import XenABI

/// Drives an in-process Xenstored through its public API, as a client would: whole xs_wire messages in,
/// replies and events out.
final class XenstoreHarness {
    let daemon: Xenstored
    var requestID: UInt32 = 0

    init(quota: XenstoreQuota = XenstoreQuota(), stateDirectory: String? = nil) throws {
        daemon = try Xenstored(quota: quota, stateDirectory: stateDirectory.map { try XenstoreStateDirectory(path: $0) })
    }

    func connect(domain: UInt32) -> Int { daemon.connect(.local(domain: domain, privileged: domain == 0)) }

    /// Sends one request; returns every message queued for `connection` (reply first), after committing.
    @discardableResult
    func send(_ connection: Int, _ type: XsMessageType, _ strings: [String], tx: UInt32 = 0) throws -> [XsMessage] {
        requestID += 1
        daemon.handle(connection: connection,
                      frame: XsMessage(type: type, requestID: requestID, transactionID: tx, strings: strings).encoded())
        return try drain(connection)
    }

    func sendRaw(_ connection: Int, _ frame: [UInt8]) throws -> [XsMessage] {
        daemon.handle(connection: connection, frame: frame)
        return try drain(connection)
    }

    /// Commits and takes the messages for `connection`; the rest of the outbox is kept for `events(for:)`.
    func drain(_ connection: Int) throws -> [XsMessage] {
        try daemon.commit()
        let mine = daemon.outbox.filter { $0.connection == connection }.map(\.message)
        daemon.outbox.removeAll { $0.connection == connection }
        return mine
    }

    func events(for connection: Int) throws -> [(path: String, token: String)] {
        try drain(connection).filter { $0.type == .watchEvent }.map { m in
            let parts = m.payload.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            return (parts[0], parts[1])
        }
    }

    /// The reply's payload as text, or the error name as "ERR:<name>".
    func answer(_ messages: [XsMessage]) -> String {
        guard let m = messages.first else { return "<none>" }
        let text = String(decoding: m.payload, as: UTF8.self)
        if m.type == .error { return "ERR:" + text.trimmingCharacters(in: CharacterSet(charactersIn: "\0")) }
        return text
    }

    func call(_ connection: Int, _ type: XsMessageType, _ strings: [String], tx: UInt32 = 0) throws -> String {
        answer(try send(connection, type, strings, tx: tx))
    }

    func write(_ connection: Int, _ path: String, _ value: String, tx: UInt32 = 0) throws -> String {
        requestID += 1
        let payload = Array(path.utf8) + [0] + Array(value.utf8)
        daemon.handle(connection: connection, frame: XsMessage(type: .write, requestID: requestID, transactionID: tx,
                                                               payload: payload).encoded())
        return answer(try drain(connection))
    }

    func read(_ connection: Int, _ path: String, tx: UInt32 = 0) throws -> String {
        try call(connection, .read, [path], tx: tx)
    }

    func start(_ connection: Int) throws -> UInt32 {
        let text = try call(connection, .transactionStart, [""])
        return UInt32(text.trimmingCharacters(in: CharacterSet(charactersIn: "\0")))!
    }

    static func temporaryDirectory() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xs-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
