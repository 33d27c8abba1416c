extension Lock {
    /// `withLock` for a body with a typed throw (the `rethrows` form erases the error type).
    func locked<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        let result: Result<T, E> = withLock {
            do throws(E) { return .success(try body()) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
