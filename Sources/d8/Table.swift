/// Rows of text in aligned columns, two spaces apart; numbers read best right-aligned.
struct Table {
    var header: [String]
    var rows: [[String]] = []
    /// Indexes of the columns aligned to the right.
    var rightAligned: Set<Int> = []

    var text: String {
        let lines = [header] + rows
        let widths = header.indices.map { column in lines.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return lines.map { line in
            header.indices.map { column in
                let cell = line.indices.contains(column) ? line[column] : ""
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingTrailingSpaces + "\n"
        }.joined()
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
