"""Policy data as files (faq/, regions/) and the pure-Python engines that read them.

Retrieval for ask_policy lives in ``knowledge.retrieval`` (Retriever, Document, Hit,
load_documents). Nothing is imported here, so reading the data does not load jieba.
"""
