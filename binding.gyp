{
  "targets": [
    {
      "target_name": "skyjoin_mmap",
      "sources": ["native/mmap.c"],
      "cflags": ["-O2", "-std=gnu11"]
    }
  ]
}
