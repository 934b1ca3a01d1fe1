"""Drives the llm-proxy with Python's official openai SDK; prints one JSON object of what it saw.

Environment: OPENAI_BASE_URL (<proxy>/v1), OPENAI_API_KEY (a Kastra JWT), KASTRA_TEST_MODEL.
"""
import json
import os
import sys

import openai

model = os.environ["KASTRA_TEST_MODEL"]
client = openai.OpenAI(max_retries=0)
seen = {"sdk_version": openai.__version__}

weather_tool = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather of a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}

chat = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hello from python"}])
seen["chat_text"] = chat.choices[0].message.content

response = client.responses.create(model=model, instructions="be brief", input="python responses", max_output_tokens=40)
seen["responses_text"] = response.output_text
seen["responses_usage"] = response.usage.total_tokens if response.usage else None

# A function tool round trip, streamed.
events = []
call = None
with client.responses.stream(model=model, input="Tromso", tools=[weather_tool]) as stream:
    for event in stream:
        events.append(event.type)
    first = stream.get_final_response()
call = next(item for item in first.output if item.type == "function_call")
seen["stream_events"] = events
seen["tool_call"] = {"name": call.name, "arguments": json.loads(call.arguments)}
text = ""
with client.responses.stream(
    model=model,
    tools=[weather_tool],
    input=[
        {"role": "user", "content": "Tromso"},
        {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
        {"type": "function_call_output", "call_id": call.call_id, "output": "snow"},
    ],
) as stream:
    for event in stream:
        if event.type == "response.output_text.delta":
            text += event.delta
    final = stream.get_final_response()
seen["stream_text"] = text
seen["stream_final_text"] = final.output_text

seen["model_id"] = client.models.retrieve(model).id
try:
    client.models.retrieve("no-such-model")
    seen["missing_model"] = "no error"
except openai.NotFoundError as error:
    seen["missing_model"] = {"status": error.status_code, "code": error.code, "type": error.type}

try:
    client.post("/assistants", cast_to=object, body={"model": model})
    seen["unknown_route"] = "no error"
except openai.APIStatusError as error:
    seen["unknown_route"] = {"class": type(error).__name__, "status": error.status_code, "type": error.type, "message": error.message}

json.dump(seen, sys.stdout)
