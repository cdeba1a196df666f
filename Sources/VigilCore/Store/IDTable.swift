/// An open-addressing hash table of 32-bit ids whose keys live elsewhere
/// (the store's symbols, its series' fingerprints): the caller hashes and
/// compares. Four bytes a slot, where a `Dictionary<String, UInt32>` took
/// about forty an entry (21 MB for the 500,000 distinct label values of
/// the benchmark target, 4 MB here).
struct IDTable: Sendable {
    private var slots: [Int32] = Array(repeating: -1, count: 16)
    private(set) var count = 0

    /// The id whose key `isKey` accepts, among those stored with `hash`.
    @inline(__always) func find(hash: UInt64, _ isKey: (Int32) -> Bool) -> Int32? {
        let mask = slots.count - 1
        var i = Self.start(hash, mask)
        while true {
            let id = slots[i]
            if id < 0 { return nil }
            if isKey(id) { return id }
            i = (i + 1) & mask
        }
    }

    /// Stores `id` under `hash`; growing rehashes every id with `rehash`.
    mutating func insert(_ id: Int32, hash: UInt64, rehash: (Int32) -> UInt64) {
        // Linear probing stays short below three quarters full.
        if (count + 1) * 4 > slots.count * 3 {
            let old = slots
            slots = Array(repeating: -1, count: old.count * 2)
            for known in old where known >= 0 { place(known, hash: rehash(known)) }
        }
        place(id, hash: hash)
        count += 1
    }

    private mutating func place(_ id: Int32, hash: UInt64) {
        let mask = slots.count - 1
        var i = Self.start(hash, mask)
        while slots[i] >= 0 { i = (i + 1) & mask }
        slots[i] = id
    }

    @inline(__always) private static func start(_ hash: UInt64, _ mask: Int) -> Int {
        // The high bits, mixed: fingerprints are sums, their low bits weak.
        Int(truncatingIfNeeded: SeriesKey.mix(hash)) & mask
    }
}
