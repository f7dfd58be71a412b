/// One running generation. `nextFrame()` computes on the caller's thread, chunk by chunk; nil after the last frame.
public protocol VideoGenerationStream: AnyObject {
    var totalFrames: Int { get }
    func nextFrame() throws -> VideoFrame?
}
