/// Bytes stored contiguously that a send can hand to libzmq without an intermediate copy: `[UInt8]`,
/// `ArraySlice<UInt8>`, `ContiguousArray<UInt8>`, `UnsafeRawBufferPointer`. Wire does not import Foundation,
/// so this plays the part of Foundation's `ContiguousBytes`; a module that has `Data` can conform it in one line.
public protocol ContiguousByteSource {
    func withWireBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R
}

extension Array: ContiguousByteSource where Element == UInt8 {
    public func withWireBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R { withUnsafeBytes(body) }
}

extension ArraySlice: ContiguousByteSource where Element == UInt8 {
    public func withWireBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R { withUnsafeBytes(body) }
}

extension ContiguousArray: ContiguousByteSource where Element == UInt8 {
    public func withWireBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R { withUnsafeBytes(body) }
}

extension UnsafeRawBufferPointer: ContiguousByteSource {
    public func withWireBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R { body(self) }
}
