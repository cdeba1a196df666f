/// Every series' points in one block: series `id` owns the `capacity`
/// slots from `id * capacity`, a ring whose oldest point is at
/// `head[id]`. One allocation for all, where a ring per series cost 72
/// bytes of headers each (36 MB for 500,000 series) and as many
/// allocations to make and free.
///
/// A point is 12 bytes, not 16: its time is kept as milliseconds after
/// its series' `base` in 32 bits (49 days). When a point falls past that
/// the series is based anew on its oldest point, and a ring spanning more
/// than 49 days (a sample a day) gives up its oldest points to fit.
///
/// `limit` is the points a series keeps; the slots grow towards it by
/// doubling as series fill up, so a store of three series allowed
/// millions of points each does not allocate them before they come.
struct PointRings: Sendable {
    /// Points a series keeps at most.
    private(set) var limit: Int
    /// Slots per series now (at most `limit`).
    private(set) var capacity: Int
    private var offsets: [UInt32] = []
    private var values: [Double] = []
    private var base: [Int64] = []
    private var head: [UInt32] = []
    private var filled: [UInt32] = []

    init(limit: Int) {
        self.limit = max(2, limit)
        capacity = min(self.limit, 64)
    }

    /// Sets the points a series keeps; rings holding more keep their newest.
    mutating func setLimit(_ newLimit: Int) {
        limit = max(2, newLimit)
        if capacity > limit {
            resize(to: limit)
        } else if series == 0 {
            capacity = min(limit, 64)
        }
    }

    /// Series with a ring.
    var series: Int { head.count }

    /// Points series `id` holds.
    @inline(__always) func count(_ id: Int) -> Int { Int(filled[id]) }

    /// The slot of logical position `i` of series `id` (0 is the oldest).
    @inline(__always) private func slot(_ id: Int, _ i: Int) -> Int {
        var k = Int(head[id]) + i
        if k >= capacity { k -= capacity }
        return id * capacity + k
    }

    /// The point at logical position `i` of series `id` (0 is the oldest).
    @inline(__always) func at(_ id: Int, _ i: Int) -> Point {
        let s = slot(id, i)
        return Point(t: base[id] + Int64(offsets[s]), v: values[s])
    }

    @inline(__always) private func time(_ id: Int, _ i: Int) -> Int64 { base[id] + Int64(offsets[slot(id, i)]) }

    func last(_ id: Int) -> Point? {
        let n = count(id)
        return n == 0 ? nil : at(id, n - 1)
    }

    /// Adds `n` empty rings. The block grows by a sixteenth past what is
    /// needed: series made one at a time (recording rules) do not copy it
    /// each time, and a scrape of 500,000 new series allocates it once.
    mutating func addSeries(_ n: Int) {
        guard n > 0 else { return }
        let needed = (series + n) * capacity
        if needed > values.capacity {
            offsets.reserveCapacity(needed + needed / 16)
            values.reserveCapacity(needed + needed / 16)
        }
        offsets.append(contentsOf: repeatElement(0, count: n * capacity))
        values.append(contentsOf: repeatElement(0, count: n * capacity))
        base.append(contentsOf: repeatElement(0, count: n))
        head.append(contentsOf: repeatElement(0, count: n))
        filled.append(contentsOf: repeatElement(0, count: n))
    }

    /// Gives every ring `newCapacity` slots, each keeping its newest
    /// points. Shrinking is done in place (a ring only moves to lower
    /// addresses), so it costs no second block.
    private mutating func resize(to newCapacity: Int) {
        let newCapacity = max(2, newCapacity)
        guard newCapacity != capacity else { return }
        var ring: [(UInt32, Double)] = []
        ring.reserveCapacity(min(capacity, newCapacity))
        if newCapacity < capacity {
            for id in 0..<series {
                let keep = min(count(id), newCapacity)
                ring.removeAll(keepingCapacity: true)
                for i in (count(id) - keep)..<count(id) { ring.append((offsets[slot(id, i)], values[slot(id, i)])) }
                for (i, p) in ring.enumerated() {
                    offsets[id * newCapacity + i] = p.0
                    values[id * newCapacity + i] = p.1
                }
                head[id] = 0
                filled[id] = UInt32(keep)
            }
            offsets.removeLast(offsets.count - series * newCapacity)
            values.removeLast(values.count - series * newCapacity)
        } else {
            var grownOffsets: [UInt32] = []
            var grownValues: [Double] = []
            grownOffsets.reserveCapacity(series * newCapacity)
            grownValues.reserveCapacity(series * newCapacity)
            for id in 0..<series {
                for i in 0..<count(id) {
                    grownOffsets.append(offsets[slot(id, i)])
                    grownValues.append(values[slot(id, i)])
                }
                grownOffsets.append(contentsOf: repeatElement(0, count: newCapacity - count(id)))
                grownValues.append(contentsOf: repeatElement(0, count: newCapacity - count(id)))
                head[id] = 0
            }
            offsets = grownOffsets
            values = grownValues
        }
        capacity = newCapacity
    }

    /// Appends a point to series `id`: one older than its newest is
    /// dropped (as a TSDB would), one at the same time replaces it (a
    /// duplicated line).
    @inline(__always) mutating func append(_ id: Int, _ p: Point) {
        var n = count(id)
        if n > 0 {
            let lastSlot = slot(id, n - 1)
            let t = base[id] + Int64(offsets[lastSlot])
            if p.t < t { return }
            if p.t == t {
                values[lastSlot] = p.v
                return
            }
            if !Self.fits(p.t, after: base[id]) {
                rebase(id, for: p.t)
                n = count(id)
            }
        }
        if n == 0 { base[id] = p.t }
        if n == capacity && capacity < limit {
            // The first ring to fill up makes room in all of them.
            resize(to: min(limit, capacity * 2))
        }
        let s: Int
        if n < capacity {
            s = slot(id, n)
            filled[id] += 1
        } else {
            s = slot(id, 0)
            head[id] = UInt32((Int(head[id]) + 1) % capacity)
        }
        offsets[s] = UInt32(p.t - base[id])
        values[s] = p.v
    }

    /// Whether `t` is within 32 bits of milliseconds after `b` (an
    /// exporter's timestamps may be anything: no subtraction overflows).
    @inline(__always) static func fits(_ t: Int64, after b: Int64) -> Bool {
        let (d, overflow) = t.subtractingReportingOverflow(b)
        return !overflow && d >= 0 && d <= Int64(UInt32.max)
    }

    /// Bases series `id` on its oldest point that leaves room for `t`,
    /// dropping the points older than that.
    private mutating func rebase(_ id: Int, for t: Int64) {
        var drop = 0
        while drop < count(id) && !Self.fits(t, after: time(id, drop)) { drop += 1 }
        head[id] = UInt32((Int(head[id]) + drop) % capacity)
        filled[id] -= UInt32(drop)
        guard count(id) > 0 else { return }
        let shift = time(id, 0) - base[id]
        for i in 0..<count(id) { offsets[slot(id, i)] -= UInt32(shift) }
        base[id] += shift
    }

    /// The logical position of series `id`'s first point with `t >= time`
    /// (points are in time order).
    func firstIndex(_ id: Int, atOrAfter t: Int64) -> Int {
        var lo = 0
        var hi = count(id)
        while lo < hi {
            let mid = (lo + hi) / 2
            if time(id, mid) < t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// One past the logical position of the last point with `t <= time`.
    func endIndex(_ id: Int, atOrBefore time: Int64) -> Int {
        time == .max ? count(id) : firstIndex(id, atOrAfter: time + 1)
    }

    /// Series `id`'s points with `minT <= t <= maxT`, in time order,
    /// appended to `out`. Found by binary search: rule evaluation reads
    /// thousands of series per refresh.
    func points(_ id: Int, minT: Int64, maxT: Int64, into out: inout [Point]) {
        let end = endIndex(id, atOrBefore: maxT)
        var i = firstIndex(id, atOrAfter: minT)
        guard i < end else { return }
        out.reserveCapacity(out.count + end - i)
        while i < end {
            out.append(at(id, i))
            i += 1
        }
    }

    /// Calls `body` with a reader of the rings: a pass over 500,000 series
    /// reads them through it without a bounds check or a copy of a point.
    func withReader<R>(_ body: (Reader) -> R) -> R {
        offsets.withUnsafeBufferPointer { offsets in
            values.withUnsafeBufferPointer { values in
                base.withUnsafeBufferPointer { base in
                    head.withUnsafeBufferPointer { head in
                        filled.withUnsafeBufferPointer { filled in
                            body(
                                Reader(
                                    offsets: offsets, values: values, base: base, head: head, filled: filled,
                                    capacity: capacity))
                        }
                    }
                }
            }
        }
    }

    /// The rings seen through pointers, valid only inside `withReader`.
    struct Reader {
        let offsets: UnsafeBufferPointer<UInt32>
        let values: UnsafeBufferPointer<Double>
        let base: UnsafeBufferPointer<Int64>
        let head: UnsafeBufferPointer<UInt32>
        let filled: UnsafeBufferPointer<UInt32>
        let capacity: Int

        /// The logical positions (0 the oldest) of series `id`'s points in
        /// [minT, maxT]: one pass back from the newest over the times, as a
        /// query's window is the newest few.
        @inline(__always) func positions(_ id: Int, minT: Int64, maxT: Int64) -> Range<Int> {
            let n = Int(filled[id])
            let b = base[id]
            let row = id * capacity
            // The bounds as offsets from the base (saturated: any Int64 may
            // be asked for).
            let hi = maxT.minusSaturating(b)
            let lo = minT.minusSaturating(b)
            var i = n - 1
            var k = Int(head[id]) + i
            if k >= capacity { k -= capacity }
            while i >= 0 && Int64(offsets[row + k]) > hi {
                i -= 1
                k = k == 0 ? capacity - 1 : k - 1
            }
            let end = i + 1
            while i >= 0 && Int64(offsets[row + k]) >= lo {
                i -= 1
                k = k == 0 ? capacity - 1 : k - 1
            }
            return (i + 1)..<end
        }

        /// What a rate needs of series `id`'s points at `positions`, read
        /// in place; nil when they hold no sample.
        @inline(__always) func fold(_ id: Int, _ positions: Range<Int>) -> WindowFold? {
            let row = id * capacity
            let h = Int(head[id])
            @inline(__always) func slot(_ i: Int) -> Int { row + (h + i < capacity ? h + i : h + i - capacity) }
            // The newest and the oldest sample (a staleness marker is none).
            var end = positions.upperBound
            while end > positions.lowerBound && StaleMarker.isStale(values[slot(end - 1)]) { end -= 1 }
            var i = positions.lowerBound
            while i < end && StaleMarker.isStale(values[slot(i)]) { i += 1 }
            guard i < end else { return nil }
            let b = base[id]
            let (first, last) = (slot(i), slot(end - 1))
            var fold = WindowFold(
                first: Point(t: b + Int64(offsets[first]), v: values[first]),
                last: Point(t: b + Int64(offsets[last]), v: values[last]))
            i += 1
            // The rest in at most two runs of slots (the ring wraps once).
            while i < end {
                let from = slot(i)
                let run = min(end - i, row + capacity - from)
                for v in UnsafeBufferPointer(rebasing: values[from..<(from + run)]) where !StaleMarker.isStale(v) {
                    fold.take(v)
                }
                i += run
            }
            return fold
        }
    }

    /// Series `id`'s newest point with `minT <= t <= maxT`, if any.
    func lastPoint(_ id: Int, minT: Int64, maxT: Int64) -> Point? {
        let end = endIndex(id, atOrBefore: maxT)
        guard end > 0 else { return nil }
        let p = at(id, end - 1)
        return p.t >= minT ? p : nil
    }
}
