// CUDA runtime queries for check_models_cuda.cpp (kept out of the C++ file so it needs no CUDA headers).
#include <cuda_runtime.h>

#include <string>

std::string r2gpu_device_name() {
    cudaDeviceProp p{};
    int device = 0;
    if (cudaGetDevice(&device) != cudaSuccess || cudaGetDeviceProperties(&p, device) != cudaSuccess) return "unknown CUDA device";
    int runtime = 0, driver = 0;
    cudaRuntimeGetVersion(&runtime);
    cudaDriverGetVersion(&driver);
    return std::string(p.name) + ", " + std::to_string(p.totalGlobalMem >> 20) + " MiB, sm_" + std::to_string(p.major) +
           std::to_string(p.minor) + ", CUDA runtime " + std::to_string(runtime) + ", driver " + std::to_string(driver);
}

double r2gpu_used_mib() {
    size_t free_bytes = 0, total = 0;
    if (cudaMemGetInfo(&free_bytes, &total) != cudaSuccess) return -1;
    return double(total - free_bytes) / 1048576.0;
}
