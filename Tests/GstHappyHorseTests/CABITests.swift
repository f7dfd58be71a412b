import CHappyHorseABI
import Foundation
import GstHappyHorse
import HappyHorse
import HappyHorseCABI
import Testing

/// Calls the C ABI through the prototypes of Sources/CHappyHorseABI/include/happyhorse_cabi.h (module-qualified
/// `CHappyHorseABI.hh_*`), so a prototype that drifts from the Swift side (Sources/HappyHorseCABI) shows up here.
/// Runs against the pattern engine only (it checks exact pixels). Nested in the serialized element suite because it
/// swaps the process-wide `EngineFactory.override` for a moment.
extension HappyHorseSrcTests {
    @Suite struct CABITests {
        final class Counter { var calls = 0; var lastStep: Int32 = 0; var lastTotal: Int32 = 0; var stages: Set<Int32> = [] }

        private func withPatternEngine<T>(_ body: () throws -> T) rethrows -> T {
            _ = testEngine
            let saved = EngineFactory.override
            EngineFactory.override = { _, _, _ in PatternEngine() }
            defer { EngineFactory.override = saved }
            return try body()
        }

        @Test func loadGenerateAndFree() throws {
            try withPatternEngine {
                var engine: OpaquePointer?
                var dir: UnsafeMutablePointer<CChar>?
                var error: UnsafeMutablePointer<CChar>?
                let status = CHappyHorseABI.hh_engine_load(nil, nil, 1, nil, nil, &engine, &dir, &error)
                #expect(status == HH_OK, "\(error.map { String(cString: $0) } ?? "")")
                CHappyHorseABI.hh_string_free(dir)
                let e = try #require(engine)
                defer { CHappyHorseABI.hh_engine_free(e) }

                var w: Int32 = 0, h: Int32 = 0, n: Int32 = 0, d: Int32 = 0
                CHappyHorseABI.hh_engine_get_format(e, &w, &h, &n, &d)
                #expect((w, h, n, d) == (64, 48, 25, 1))
                let namePointer = CHappyHorseABI.hh_engine_model_name(e)
                let name = try #require(namePointer)
                #expect(String(cString: name) == "pattern-test-engine")
                CHappyHorseABI.hh_string_free(name)
                var defaults = hh_settings()
                CHappyHorseABI.hh_settings_init(&defaults)
                #expect(defaults.num_inference_steps == 0 && defaults.guidance_scale == 0)
                #expect(defaults.static_hold < 0 && defaults.autoguidance_scale < 0)
                var resolved = hh_resolved_settings()
                CHappyHorseABI.hh_engine_resolve(e, &defaults, &resolved)
                #expect(resolved.num_inference_steps == 4 && resolved.guidance_scale == 2.5)
                #expect(resolved.autoguidance_scale == 1, "no guide: autoguidance is off")
                var explicit = defaults
                explicit.num_inference_steps = 7
                explicit.guidance_scale = 1.5
                explicit.static_hold = 0.25
                CHappyHorseABI.hh_engine_resolve(e, &explicit, &resolved)
                #expect(resolved.num_inference_steps == 7 && resolved.guidance_scale == 1.5)
                #expect(resolved.static_hold == 0.25)
                #expect(CHappyHorseABI.hh_engine_frame_count(e, 0.2) == 5)

                let cancelPointer = CHappyHorseABI.hh_cancel_new()
                let cancel = try #require(cancelPointer)
                defer { CHappyHorseABI.hh_cancel_free(cancel) }
                let counter = Counter()
                let box = Unmanaged.passRetained(counter)
                defer { box.release() }
                var generation: OpaquePointer?
                var settings = hh_settings()
                CHappyHorseABI.hh_settings_init(&settings)
                settings.seed = 42
                settings.num_inference_steps = 2
                settings.guidance_scale = 1.0
                let started = "a white horse".withCString { prompt in
                    settings.prompt = prompt
                    return CHappyHorseABI.hh_generation_start(e, &settings, 0.2, cancel,
                    { user, stage, step, total, _, _ in
                        let c = Unmanaged<Counter>.fromOpaque(user!).takeUnretainedValue()
                        c.calls += 1; c.lastStep = step; c.lastTotal = total; c.stages.insert(stage)
                    }, box.toOpaque(), &generation, &error)
                }
                #expect(started == HH_OK)
                let g = try #require(generation)
                defer { CHappyHorseABI.hh_generation_free(g) }
                #expect(CHappyHorseABI.hh_generation_total_frames(g) == 5)

                var rgb = [UInt8](repeating: 0, count: 64 * 48 * 3)
                var index: Int64 = -1
                var frames = 0
                while true {
                    let s = rgb.withUnsafeMutableBufferPointer {
                        CHappyHorseABI.hh_generation_next_frame(g, $0.baseAddress, $0.count, &index, &error)
                    }
                    if s == HH_END { break }
                    #expect(s == HH_OK)
                    #expect(index == Int64(frames))
                    let expected = PatternEngine.pixel(promptHash: PatternEngine.hash("a white horse"), seed: 42,
                                                       index: frames, x: 5, y: 7, channel: 2)
                    #expect(rgb[(7 * 64 + 5) * 3 + 2] == expected)
                    frames += 1
                }
                #expect(frames == 5)
                #expect(counter.calls > 0 && counter.lastStep == counter.lastTotal && counter.lastTotal == 4)
                #expect(counter.stages == [1, 2, 3])   // encoding-prompt, denoising, decoding
            }
        }

        @Test func cancellationAndSmallBuffers() throws {
            try withPatternEngine {
                var engine: OpaquePointer?
                var error: UnsafeMutablePointer<CChar>?
                #expect(CHappyHorseABI.hh_engine_load(nil, nil, 1, nil, nil, &engine, nil, &error) == HH_OK)
                let e = try #require(engine)
                defer { CHappyHorseABI.hh_engine_free(e) }
                let cancelPointer = CHappyHorseABI.hh_cancel_new()
                let cancel = try #require(cancelPointer)
                defer { CHappyHorseABI.hh_cancel_free(cancel) }

                var generation: OpaquePointer?
                var settings = hh_settings()
                CHappyHorseABI.hh_settings_init(&settings)
                settings.seed = 1
                settings.guidance_scale = 1.0
                #expect(CHappyHorseABI.hh_generation_start(e, &settings, 0.2, cancel, nil, nil, &generation, &error) == HH_OK)
                let g = try #require(generation)
                defer { CHappyHorseABI.hh_generation_free(g) }

                var small = [UInt8](repeating: 0, count: 16)
                let tooSmall = small.withUnsafeMutableBufferPointer {
                    CHappyHorseABI.hh_generation_next_frame(g, $0.baseAddress, $0.count, nil, &error)
                }
                #expect(tooSmall == HH_ERROR_RUNTIME)
                #expect(error.map { String(cString: $0) }?.contains("too small") == true)
                CHappyHorseABI.hh_string_free(error)
                error = nil

                CHappyHorseABI.hh_cancel_trigger(cancel)
                #expect(CHappyHorseABI.hh_cancel_is_triggered(cancel) == 1)
                var rgb = [UInt8](repeating: 0, count: 64 * 48 * 3)
                let cancelled = rgb.withUnsafeMutableBufferPointer {
                    CHappyHorseABI.hh_generation_next_frame(g, $0.baseAddress, $0.count, nil, &error)
                }
                #expect(cancelled == HH_ERROR_CANCELLED)
                CHappyHorseABI.hh_string_free(error)
                CHappyHorseABI.hh_cancel_reset(cancel)
                #expect(CHappyHorseABI.hh_cancel_is_triggered(cancel) == 0)
            }
        }

        @Test func missingDirectoryIsNotAModelDirectoryWithTheLayout() {
            var engine: OpaquePointer?
            var error: UnsafeMutablePointer<CChar>?
            let status = CHappyHorseABI.hh_engine_load("/nonexistent/hh-model", nil, 0, nil, nil, &engine, nil, &error)
            #expect(status == HH_ERROR_NOT_A_MODEL_DIRECTORY)
            #expect(engine == nil)
            let text = error.map { String(cString: $0) } ?? ""
            CHappyHorseABI.hh_string_free(error)
            #expect(text.contains("/nonexistent/hh-model") && text.contains("config.json"), "\(text)")
            #expect(String(cString: CHappyHorseABI.hh_model_layout()).contains("tokenizer.json"))
            CHappyHorseABI.hh_engine_free(nil)
            CHappyHorseABI.hh_generation_free(nil)
            CHappyHorseABI.hh_string_free(nil)
        }
    }
}
