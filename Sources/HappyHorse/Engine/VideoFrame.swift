/// One decoded frame: packed RGB, 8 bits per channel, `width * 3` bytes per row, no padding.
public struct VideoFrame: Sendable {
    public var index: Int
    public var width: Int
    public var height: Int
    public var rgb: [UInt8]
    public init(index: Int, width: Int, height: Int, rgb: [UInt8]) {
        self.index = index
        self.width = width
        self.height = height
        self.rgb = rgb
    }
}
