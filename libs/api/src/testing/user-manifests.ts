/**
 * Manifests as Kastra's users write them first: the examples of the product's original
 * documentation (LLM, Tool, Agent, Workflow, Network, System), kept as written — every one must
 * validate, including the shapes `examples/` does not use.
 */
export const USER_MANIFESTS: Record<string, string> = {
  'llm basic structure': `
apiVersion: mastra.ai/v1
kind: LLM
metadata:
  name: my-gpt4-model
  namespace: default
  labels:
    type: conversational
    tier: premium
spec:
  provider: openai
  model: gpt-4o
  apiKey: \${OPENAI_API_KEY}
  options:
    temperature: 0.7
    maxTokens: 2000
`,
  'llm openai': `
apiVersion: mastra.ai/v1
kind: LLM
metadata:
  name: openai-gpt4
spec:
  provider: openai
  model: gpt-4o
  apiKey: \${OPENAI_API_KEY}
  options:
    temperature: 0.7
    maxTokens: 4000
`,
  'llm anthropic': `
apiVersion: mastra.ai/v1
kind: LLM
metadata:
  name: anthropic-claude
spec:
  provider: anthropic
  model: claude-3-5-sonnet-20241022
  apiKey: \${ANTHROPIC_API_KEY}
  options:
    maxTokens: 4000
`,
  'llm google': `
apiVersion: mastra.ai/v1
kind: LLM
metadata:
  name: google-gemini
spec:
  provider: google
  model: gemini-1.5-pro-latest
  apiKey: \${GOOGLE_API_KEY}
`,
  'llm groq': `
apiVersion: mastra.ai/v1
kind: LLM
metadata:
  name: groq-llama
spec:
  provider: groq
  model: llama-3.1-70b-versatile
  apiKey: \${GROQ_API_KEY}
  options:
    temperature: 0.5
`,
  'llm qwen': `
apiVersion: mastra.ai/v1
kind: LLM
metadata:
  name: qwen-model
spec:
  provider: qwen
  model: qwen-max
  apiKey: \${QWEN_API_KEY}
  options:
    baseURL: https://dashscope.aliyuncs.com/api/v1
`,
  'llm loaded from string': `
apiVersion: mastra.ai/v1
kind: LLM
metadata:
  name: my-llm
spec:
  provider: openai
  model: gpt-4o
`,
  'llm yamlToMastraLLM': `
apiVersion: mastra.ai/v1
kind: LLM
metadata:
  name: yaml-llm
spec:
  provider: openai
  model: gpt-4o
`,
  'agent referring to an llm': `
apiVersion: mastra.ai/v1
kind: Agent
metadata:
  name: my-agent
spec:
  instructions: "你是一个助手..."
  model:
    ref: default.my-llm  # 引用上面定义的 LLM 资源
`,
  'llm env key': `
apiVersion: mastra.ai/v1
kind: LLM
metadata:
  name: env-api-llm
spec:
  provider: anthropic
  model: claude-3-opus
  apiKey: \${ANTHROPIC_API_KEY}
`,
  'agent recipe-assistant': `
# 增强的代理定义，采用 Kubernetes 风格
apiVersion: mastra.ai/v1
kind: Agent
metadata:
  name: recipe-assistant
  namespace: cooking
  labels:
    app: kitchen-helper
    tier: frontend
spec:
  instructions: "你是一个厨师助手，帮助用户根据食材推荐菜谱。"
  model:
    provider: openai
    name: gpt-4-turbo
  tools:
    - name: recipe-finder
      refName: cooking.recipe-finder
  memory:
    enabled: true
    type: vector
  scaling:
    minReplicas: 1
    maxReplicas: 5
status:
  phase: Running
  conditions:
    - type: Ready
      status: "True"
`,
  'workflow recipe-suggestion': `
# 工作流定义与资源引用
apiVersion: mastra.ai/v1
kind: Workflow
metadata:
  name: recipe-suggestion
spec:
  steps:
    - id: check-ingredients
      agent:
        name: recipe-assistant
        namespace: cooking
      input:
        type: user-input
      output:
        type: ingredients-list
      next: find-recipes
    - id: find-recipes
      tool:
        name: recipe-finder
        namespace: cooking
      input:
        from: ingredients-list
      output:
        type: recipe-results
`,
  'system customer-support': `
apiVersion: mastra.ai/v1
kind: System
metadata:
  name: customer-support
spec:
  agents:
    - name: support-agent
      spec:
        instructions: "你是客户支持代表..."
        model:
          provider: anthropic
          name: claude-3-opus
    - name: escalation-agent
      spec:
        instructions: "你是处理复杂问题的专家..."
  workflows:
    - name: support-flow
      spec:
        initialStep: initial-response
        steps:
          - id: initial-response
            agent: support-agent
            # 更多步骤...
`,
  'network research-network': `
# 智能体网络声明示例
apiVersion: mastra.ai/v1
kind: Network
metadata:
  name: research-network
  namespace: default
spec:
  instructions: "此网络协调多个智能体进行深入研究，包括搜索、分析和总结。"
  agents:
    - name: search-agent
      ref: default.search-agent
    - name: analysis-agent
      ref: default.analysis-agent
    - name: summary-agent
      ref: default.summary-agent
  router:
    model:
      provider: openai
      name: gpt-4o
    maxSteps: 15
  state:
    persistence: true
    ttl: 3600
`,
  'workflow data-processing': `
apiVersion: mastra.ai/v1
kind: Workflow
metadata:
  name: data-processing
spec:
  name: 数据处理工作流
  initialStep: extract
  steps:
    - id: extract
      name: 数据提取
      agent: extract-agent
      next: transform
    - id: transform
      name: 数据转换
      agent: transform-agent
      next: load
    - id: load
      name: 数据加载
      agent: load-agent
      next: END
`,
  'network customer-support': `
apiVersion: mastra.ai/v1
kind: Network
metadata:
  name: customer-support
spec:
  instructions: "客户支持网络，由多个专业代理组成"
  agents:
    - name: greeter
      ref: agents/greeter
    - name: technical
      ref: agents/technical
    - name: billing
      ref: agents/billing
  router:
    model:
      provider: openai
      name: gpt-4
`,
};
