# What `cmake --install build --prefix P` puts under P, and build/share/r2bench, which mirrors
# P/share/r2bench so that build/r2bench finds its data the way an installed one does
# (core/data_dir.h):
#   P/bin/r2bench, P/bin/r2bench-models            the CLI (the second only with libtorch)
#   P/lib/libr2_*.a                                the libraries (static)
#   P/include/r2bench/<folder>/*.h                 their public headers, the lists below
#   P/lib/cmake/r2bench/                           find_package(r2bench CONFIG): r2bench::core, …
#   P/share/r2bench/                               tiny_weights/, category_synonyms.json, scripts/, model_catalog.json
include(CMakePackageConfigHelpers)

# ---- Data files: source path -> place under share/r2bench ----------------------------------------
file(GLOB _r2_tiny_weights CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/model_zoo/tiny_weights/*.safetensors)
set(_r2_data_dir ${CMAKE_INSTALL_DATADIR}/r2bench)
function(r2bench_data_files destination)
  foreach(file IN LISTS ARGN)
    get_filename_component(name ${file} NAME)
    configure_file(${file} ${PROJECT_BINARY_DIR}/share/r2bench/${destination}/${name} COPYONLY)
  endforeach()
  install(FILES ${ARGN} DESTINATION ${_r2_data_dir}/${destination})
endfunction()
r2bench_data_files(tiny_weights ${_r2_tiny_weights})
# build-dataset has the table built in; this copy is the one to edit and pass with --synonyms.
r2bench_data_files(. ${PROJECT_SOURCE_DIR}/data/category_synonyms.json)
# The Python side of `bench eval --python-davis` and `bench model --official-repo`.
r2bench_data_files(scripts ${PROJECT_SOURCE_DIR}/scripts/bench_davis_python.py ${PROJECT_SOURCE_DIR}/scripts/bench_official_model.py)

# ---- Libraries and their public headers (README.md, "Using r2bench from C++", documents them) -----
# r2bench_library(<target> <name> HEADERS <folder/header.h>...): installs the target as
# r2bench::<name> (an alias of the same name exists in the build tree) and the headers.
set(_r2_exported)
function(r2bench_library target name)
  cmake_parse_arguments(ARG "" "" "HEADERS" ${ARGN})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name})
  add_library(r2bench::${name} ALIAS ${target})
  target_include_directories(${target} INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/r2bench>)
  foreach(header IN LISTS ARG_HEADERS)
    get_filename_component(folder ${header} DIRECTORY)
    install(FILES ${PROJECT_SOURCE_DIR}/${header} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/r2bench/${folder})
  endforeach()
  set(_r2_exported ${_r2_exported} ${target} PARENT_SCOPE)
endfunction()

r2bench_library(r2_core core HEADERS
  core/error.h core/atomic_file.h core/output_dir.h core/output_lock.h core/json_file.h core/mask_png.h core/image_codecs.h
  core/ytvos_meta.h core/ref_davis.h core/pairs.h core/dataset_layout.h core/rng.h core/data_dir.h)
r2bench_library(r2_metrics metrics HEADERS
  metrics/bitmask.h metrics/frame_metrics.h metrics/statistics.h metrics/robustness.h metrics/evaluation.h metrics/alignment.h
  metrics/davis_protocol.h metrics/ref_davis_eval.h)
r2bench_library(r2_reports reports HEADERS
  reports/eval_report.h reports/per_frame_h5.h reports/submission.h reports/leaderboard.h reports/html_report.h
  reports/compare.h reports/regress.h reports/train_report.h reports/ref_davis_report.h)
r2bench_library(r2_dataset_builder dataset_builder HEADERS
  dataset_builder/synth.h dataset_builder/synth_scene.h dataset_builder/r2_builder.h dataset_builder/source_tree.h
  dataset_builder/text_rules.h)
r2bench_library(r2_runners runners HEADERS
  runners/baseline.h runners/shards.h runners/run_state.h runners/merge.h runners/pil_resize.h)
r2bench_library(r2_weights weights HEADERS model_zoo/safetensors.h model_zoo/torch_checkpoint.h)
r2bench_library(r2_text text HEADERS model_zoo/bpe_tokenizer.h)
r2bench_library(r2_assignment assignment HEADERS model_zoo/linear_assignment.h)
if(TARGET r2_models)
  # registry.h is the entry point (load_runnable_model); the rest is what it and the models' forward
  # declarations need.
  r2bench_library(r2_models models HEADERS
    model_zoo/registry.h model_zoo/postprocess.h model_zoo/weights.h model_zoo/mttr.h model_zoo/referformer.h
    model_zoo/backbone.h model_zoo/detr_transformer.h model_zoo/layers.h model_zoo/roberta.h model_zoo/stage_times.h
    model_zoo/deformable_decoder.h model_zoo/deformable_encoder.h model_zoo/msdeform_attn.h model_zoo/pixel_decoder.h
    model_zoo/vision_language.h model_zoo/model_names.h model_zoo/criterion.h model_zoo/ablations.h
    model_zoo/model_family.h model_zoo/referformer_family.h model_zoo/mttr_family.h model_zoo/segmentation_model.h
    model_zoo/preprocessing.h model_zoo/train_clip.h model_zoo/train_recipe.h)
  r2bench_library(r2_model_runner model_runner HEADERS
    runners/model_runner.h runners/model_input.h runners/segmentation_model.h)
endif()

install(TARGETS ${_r2_exported} EXPORT r2benchTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/r2bench)
set(_r2_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/r2bench)
install(EXPORT r2benchTargets NAMESPACE r2bench:: DESTINATION ${_r2_cmake_dir})
set(R2BENCH_PACKAGE_WITH_TORCH ${R2BENCH_TORCH_FOUND})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/r2benchConfig.cmake.in ${PROJECT_BINARY_DIR}/r2benchConfig.cmake
  INSTALL_DESTINATION ${_r2_cmake_dir} PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_DATADIR)
# 0.x: a minor version may change the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/r2benchConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/r2benchConfig.cmake ${PROJECT_BINARY_DIR}/r2benchConfigVersion.cmake DESTINATION ${_r2_cmake_dir})

# ---- The CLI ------------------------------------------------------------------------------------
install(TARGETS r2bench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET r2bench-models)
  install(TARGETS r2bench-models RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  # Written by r2bench-models after each link (cli/CMakeLists.txt): what `r2bench models` lists.
  install(FILES ${PROJECT_BINARY_DIR}/share/r2bench/model_catalog.json DESTINATION ${_r2_data_dir})
endif()
