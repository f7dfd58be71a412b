print("kernels")
