/// Native output format of a loaded model.
public struct NativeVideoFormat: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var framesPerSecond: Int
    public init(width: Int, height: Int, framesPerSecond: Int) {
        self.width = width
        self.height = height
        self.framesPerSecond = framesPerSecond
    }
}
