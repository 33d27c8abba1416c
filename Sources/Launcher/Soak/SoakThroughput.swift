/// A neighbour's progress rate inside restart windows against outside them (docs/restart.md, "Neighbours").
/// Progress is a counter sampled by `PROGRESS N` lines. When a line carries the guest's own time (`t=MS`, guest
/// time is host monotonic time with an offset), the sample is placed at the time it was printed (offset: the
/// smallest arrival − t), so a console path that delays lines does not look like a guest that stalled.
public enum SoakThroughput {
    /// `samples`' progress rate inside `windows` (host monotonic ms) over the rate outside them.
    public static func measure(domain: String, samples: [SoakGuestLog.Sample],
                        windows: [(start: Double, end: Double)]) -> SoakNeighbour {
        var points = placed(samples)
        points.sort { $0.time < $1.time }
        guard points.count >= 2, let first = points.first?.time, let last = points.last?.time, last > first else {
            return SoakNeighbour(domain: domain, windowSeconds: 0)
        }
        func counter(at t: Double) -> Double {
            if t <= first { return points[0].counter }
            if t >= last { return points[points.count - 1].counter }
            var low = 0, high = points.count - 1
            while high - low > 1 {
                let mid = (low + high) / 2
                if points[mid].time <= t { low = mid } else { high = mid }
            }
            let a = points[low], b = points[high]
            guard b.time > a.time else { return b.counter }
            return a.counter + (b.counter - a.counter) * (t - a.time) / (b.time - a.time)
        }
        var inside = 0.0, insideTime = 0.0
        for w in merge(windows) {
            let a = max(w.start, first), b = min(w.end, last)
            guard b > a else { continue }
            inside += counter(at: b) - counter(at: a)
            insideTime += b - a
        }
        let total = counter(at: last) - counter(at: first), totalTime = last - first
        let outsideTime = totalTime - insideTime
        let during = insideTime > 0 ? inside / insideTime * 1000 : nil
        let undisturbed = outsideTime > 0 ? (total - inside) / outsideTime * 1000 : nil
        var fraction: Double?
        if let during, let undisturbed, undisturbed > 0 { fraction = during / undisturbed }
        return SoakNeighbour(domain: domain, duringRestartsPerSecond: during, undisturbedPerSecond: undisturbed,
                             fraction: fraction, windowSeconds: insideTime / 1000)
    }

    private static func placed(_ samples: [SoakGuestLog.Sample]) -> [(time: Double, counter: Double)] {
        let stamped = samples.compactMap { s in s.guestMilliseconds.map { s.arrival - $0 } }
        if stamped.count == samples.count, let offset = stamped.min() {
            return samples.map { ($0.guestMilliseconds! + offset, $0.counter) }
        }
        return samples.map { ($0.arrival, $0.counter) }
    }

    static func merge(_ windows: [(start: Double, end: Double)]) -> [(start: Double, end: Double)] {
        var out: [(start: Double, end: Double)] = []
        for w in windows.sorted(by: { $0.start < $1.start }) where w.end > w.start {
            if let lastEnd = out.last?.end, w.start <= lastEnd {
                out[out.count - 1].end = max(lastEnd, w.end)
            } else {
                out.append(w)
            }
        }
        return out
    }
}
