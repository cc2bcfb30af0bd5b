//! The inference engine behind a small trait, so another backend (a pure-Rust
//! one such as tract) can be added as a cargo feature without touching the
//! models' pre- and post-processing.

use std::path::Path;

use crate::error::Result;

/// A dense f32 tensor.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

/// A loaded model that can be run from many threads.
pub trait Model: Send + Sync + std::fmt::Debug {
    /// Run the model on one input; returns every output in graph order.
    fn run(&self, input: &Tensor) -> Result<Vec<Tensor>>;

    /// As [`Model::run`], then give the memory the run used back (for a
    /// large photo, whose full-resolution stages come next). The default
    /// keeps nothing to give back.
    fn run_then_release(&self, input: &Tensor) -> Result<Vec<Tensor>> {
        self.run(input)
    }
}

/// Loads models.
pub trait Engine: Send + Sync + std::fmt::Debug {
    fn load(&self, path: &Path) -> Result<Box<dyn Model>>;
    /// A short name for reports (`onnxruntime 1.31`).
    fn name(&self) -> String;
}

#[cfg(feature = "onnxruntime")]
pub mod onnxruntime {
    //! ONNX Runtime through `ort`, the library loaded at run time
    //! (`load-dynamic`) from the asset cache.

    use std::path::{Path, PathBuf};
    use std::sync::{Mutex, OnceLock};

    use ort::environment::Environment;
    use ort::ep;
    use ort::session::builder::GraphOptimizationLevel;
    use ort::session::{RunOptions, Session};
    use ort::value::TensorRef;

    use super::{Engine, Model, Tensor};
    use crate::error::{Result, VisionError};

    /// The process-wide ONNX Runtime environment and the library it came from.
    static RUNTIME: OnceLock<std::result::Result<(Environment, PathBuf), String>> = OnceLock::new();

    /// Load the ONNX Runtime library once per process.
    fn init(lib: &Path) -> Result<&'static Environment> {
        let r = RUNTIME.get_or_init(|| {
            let env = ort::init_from(lib)
                .map_err(|e| format!("{}: {e}", lib.display()))?
                .with_name("xuancai")
                .build()
                .map_err(|e| e.to_string())?;
            Ok((env, lib.to_path_buf()))
        });
        match r {
            Ok((env, _)) => Ok(env),
            Err(e) => Err(VisionError::RuntimeUnavailable(e.clone())),
        }
    }

    /// The ONNX Runtime engine. `threads` is the intra-op thread count per model.
    #[derive(Debug, Clone)]
    pub struct OrtEngine {
        env: &'static Environment,
        threads: usize,
    }

    impl OrtEngine {
        pub fn new(library: &Path, threads: usize) -> Result<Self> {
            let env = init(library)?;
            Ok(Self {
                env,
                threads: threads.max(1),
            })
        }
    }

    struct OrtModel {
        session: Mutex<Session>,
        /// Run options that shrink the arena when the run ends.
        release: RunOptions,
    }

    impl std::fmt::Debug for OrtModel {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("OrtModel").finish_non_exhaustive()
        }
    }

    fn release_options() -> Result<RunOptions> {
        let mut options = RunOptions::new().map_err(inf)?;
        options
            .set("memory.enable_memory_arena_shrinkage", "cpu:0")
            .map_err(inf)?;
        Ok(options)
    }

    fn inf<E: std::fmt::Display>(e: E) -> VisionError {
        VisionError::Inference(e.to_string())
    }

    impl Engine for OrtEngine {
        fn load(&self, path: &Path) -> Result<Box<dyn Model>> {
            let session = Session::builder(self.env)
                .map_err(inf)?
                .with_optimization_level(GraphOptimizationLevel::All)
                .map_err(inf)?
                .with_intra_threads(self.threads)
                .map_err(inf)?
                .with_inter_threads(1)
                .map_err(inf)?
                // The CPU arena reuses activation buffers within and across
                // runs. Without it every buffer is a fresh mmap, zero-filled
                // page by page: the int8 ISNet took 1.1–1.2 s instead of 0.6
                // per 1024² run on one thread, for 0.1 GB less peak memory on a
                // 12 MP cutout (0.89 vs 1.0 GB). Shrinking the arena after each
                // run (`memory.enable_memory_arena_shrinkage`) cost 0.25 s a run,
                // so only a large photo's cutout does it (`run_then_release`).
                // No memory-pattern pre-allocation: it raised the peak to 1.6 GB
                // and made every other run slow. Measured in docs/BENCHMARKS.md.
                .with_memory_pattern(false)
                .map_err(inf)?
                .with_execution_providers([ep::CPU::default().with_arena_allocator(true).build()])
                .map_err(inf)?
                .commit_from_file(path)
                .map_err(inf)?;
            Ok(Box::new(OrtModel {
                session: Mutex::new(session),
                release: release_options()?,
            }))
        }

        fn name(&self) -> String {
            format!("onnxruntime (api {})", ort::MINOR_VERSION)
        }
    }

    impl OrtModel {
        fn run_with(&self, input: &Tensor, options: Option<&RunOptions>) -> Result<Vec<Tensor>> {
            let value =
                TensorRef::from_array_view((input.shape.clone(), input.data.as_slice())).map_err(inf)?;
            let mut session = self
                .session
                .lock()
                .map_err(|_| VisionError::Inference("a previous run panicked".into()))?;
            let outputs = match options {
                Some(o) => session.run_with_options(ort::inputs![value], o),
                None => session.run(ort::inputs![value]),
            }
            .map_err(inf)?;
            let mut result = Vec::with_capacity(outputs.len());
            for (_, v) in outputs.iter() {
                let (shape, data) = v.try_extract_tensor::<f32>().map_err(inf)?;
                result.push(Tensor {
                    shape: shape.iter().map(|&d| d.max(0) as usize).collect(),
                    data: data.to_vec(),
                });
            }
            Ok(result)
        }
    }

    impl Model for OrtModel {
        fn run(&self, input: &Tensor) -> Result<Vec<Tensor>> {
            self.run_with(input, None)
        }

        fn run_then_release(&self, input: &Tensor) -> Result<Vec<Tensor>> {
            self.run_with(input, Some(&self.release))
        }
    }
}
