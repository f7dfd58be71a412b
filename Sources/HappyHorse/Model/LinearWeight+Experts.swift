// Expert packing of spec 4.2: in a multimodal-expert layer every weight is the 3 experts' tensors stacked on dim 0
// (video 0, audio 1, text 2); expert e owns rows [e·n, (e+1)·n).

extension LinearWeight {
    /// Rows [e·n, (e+1)·n) of a stacked [experts·n, K] weight as a weight of its own [n, K]: a pointer offset into
    /// the mapping for mapped weights (no copy), a one-time copy for dense ones.
    func expertBlock(_ e: Int, of experts: Int) -> LinearWeight {
        guard experts > 1 else { return self }
        let n = rows / experts, k = cols
        switch self {
        case let .dense(t):
            return .dense(t.rows((e * n)..<((e + 1) * n)))  // [n, K]
        case let .f32(_, _, data, owner):
            return .f32(rows: n, cols: k, data: data + e * n * k * 4, owner: owner)
        case let .bf16(_, _, data, owner):
            return .bf16(rows: n, cols: k, data: data + e * n * k * 2, owner: owner)
        case let .f16(_, _, data, owner):
            return .f16(rows: n, cols: k, data: data + e * n * k * 2, owner: owner)
        }
    }
}

extension Tensor {
    /// Elements [e·n, (e+1)·n) of a stacked 1-D [experts·n] vector (per-expert norm weights).
    func expertBlock(_ e: Int, of experts: Int) -> Tensor {
        guard experts > 1 else { return self }
        let n = count / experts
        return rows((e * n)..<((e + 1) * n))  // [n]
    }
}
